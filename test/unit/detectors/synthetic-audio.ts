/** Synthetic multichannel audio for the audio detectors' unit tests, and a runner that feeds it in chunks. */
import type { AudioChunk, AudioDetector, DetectorEvent } from "../../../core-service/src/detectors/types.ts";
import type { ClosedDefect } from "../../../core-service/src/domain/defect.ts";

export const RATE = 48000;

/** One channel's sample at a time in seconds (and the frame index, for noise). */
export type Signal = (t: number, frame: number) => number;

export const zero: Signal = () => 0;

export function tone(frequency: number, dbfs: number, phase = 0): Signal {
  const amplitude = 10 ** (dbfs / 20);
  return (t) => amplitude * Math.sin(2 * Math.PI * frequency * t + phase);
}

/**
 * Programme-like sound: three partials whose levels wander, plus noise, around `dbfs` RMS. `seed` makes
 * another channel of the same kind of programme (not the same samples).
 */
export function programme(dbfs = -20, seed = 1): Signal {
  const scale = 10 ** (dbfs / 20) * 0.9;
  const noise = noiseSource(seed);
  return (t, frame) => {
    const wander = 0.6 + 0.4 * Math.sin(2 * Math.PI * 0.37 * t + seed);
    const partials =
      Math.sin(2 * Math.PI * (220 + 20 * seed) * t) +
      0.5 * Math.sin(2 * Math.PI * 660 * t + seed) +
      0.3 * Math.sin(2 * Math.PI * 1375 * t + 2 * seed);
    return scale * (wander * partials * 0.8 + 0.3 * noise(frame));
  };
}

/** Uniform noise in [-1, 1] from a seeded generator, the same value for the same frame. */
function noiseSource(seed: number): (frame: number) => number {
  return (frame) => {
    let x = (frame * 2654435761 + seed * 40503) >>> 0;
    x ^= x >>> 15;
    x = Math.imul(x, 2246822519) >>> 0;
    x ^= x >>> 13;
    return (x / 4294967296) * 2 - 1;
  };
}

export function negate(signal: Signal): Signal {
  return (t, frame) => -signal(t, frame);
}

/** `inside` during [from, to) seconds, `outside` elsewhere. */
export function during(from: number, to: number, inside: Signal, outside: Signal): Signal {
  return (t, frame) => (t >= from && t < to ? inside(t, frame) : outside(t, frame));
}

export function scaled(signal: Signal, gain: number): Signal {
  return (t, frame) => gain * signal(t, frame);
}

export function sum(...signals: Signal[]): Signal {
  return (t, frame) => signals.reduce((total, s) => total + s(t, frame), 0);
}

/** Interleaved samples of `seconds` of audio, one signal per channel. */
export function render(seconds: number, channels: readonly Signal[], start = 0): Float32Array {
  const frames = Math.round(seconds * RATE);
  const out = new Float32Array(frames * channels.length);
  for (let f = 0; f < frames; f++) {
    const t = start + f / RATE;
    for (let c = 0; c < channels.length; c++) out[f * channels.length + c] = (channels[c] as Signal)(t, f);
  }
  return out;
}

export interface RunResult {
  readonly events: DetectorEvent[];
  readonly closed: ClosedDefect[];
}

/** Feeds interleaved samples to a detector in chunks (timed from `start`) and flushes it at their end. */
export function runAudio(
  detector: AudioDetector,
  samples: Float32Array,
  channelNames: readonly string[],
  options: { chunkFrames?: number; start?: number } = {},
): RunResult {
  const channels = channelNames.length;
  const chunkFrames = options.chunkFrames ?? 1024;
  const start = options.start ?? 0;
  const frames = samples.length / channels;
  const events: DetectorEvent[] = [];
  for (let f = 0; f < frames; f += chunkFrames) {
    const chunk: AudioChunk = {
      time: start + f / RATE,
      sampleRate: RATE,
      channels,
      channelNames,
      samples: samples.slice(f * channels, Math.min(frames, f + chunkFrames) * channels),
    };
    events.push(...detector.push(chunk));
  }
  events.push(...detector.flush(start + frames / RATE));
  return { events, closed: events.filter((e) => e.kind === "close").map((e) => e.defect as ClosedDefect) };
}

export const STEREO = ["FL", "FR"] as const;
export const SURROUND_51 = ["FL", "FR", "FC", "LFE", "BL", "BR"] as const;
