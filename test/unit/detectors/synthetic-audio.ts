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
 * Programme-like sound: three partials whose levels wander, plus noise, around `dbfs` RMS. Another `seed` makes
 * another programme of the same kind, uncorrelated with this one (other partials, other noise).
 */
export function programme(dbfs = -20, seed = 1): Signal {
  const scale = 10 ** (dbfs / 20) * 0.9;
  const noise = noiseSource(seed);
  return (t, frame) => {
    const wander = 0.6 + 0.4 * Math.sin(2 * Math.PI * 0.37 * t + seed);
    const partials =
      Math.sin(2 * Math.PI * (220 + 20 * seed) * t) +
      0.5 * Math.sin(2 * Math.PI * (660 + 37 * seed) * t + seed) +
      0.3 * Math.sin(2 * Math.PI * (1375 + 53 * seed) * t + 2 * seed);
    return scale * (wander * partials * 0.8 + 0.3 * noise(frame));
  };
}

/** Steady white noise of `dbfs` RMS; another `seed` is another, uncorrelated noise. */
export function noise(dbfs: number, seed: number): Signal {
  // Uniform noise in [-1, 1] has an RMS of 1/√3.
  const scale = 10 ** (dbfs / 20) * Math.sqrt(3);
  const source = noiseSource(seed);
  return (_t, frame) => scale * source(frame);
}

/** Uniform noise in [-1, 1] from a seeded generator, the same value for the same frame. */
function noiseSource(seed: number): (frame: number) => number {
  // MurmurHash3's finaliser over the frame and the seed: every output bit depends on every input bit.
  return (frame) => {
    let h = (Math.imul(frame, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca77)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return ((h >>> 0) / 4294967296) * 2 - 1;
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
