/**
 * Synthesised PCM for the audio detectors and the loudness meter, streamed as AudioChunks so that minutes of
 * audio never sit in memory at once: the EBU Tech 3341 / 3342 recipes (1 kHz tones at per-channel peak levels,
 * sines at fractions of the sample rate) and a speech-like signal of noise bursts.
 */
import type { AudioChunk } from "../../core-service/src/detectors/types.ts";

/** A stretch of programme: a 1 kHz tone (or speech-like bursts) at a peak level in dBFS. */
export interface Segment {
  readonly seconds: number;
  /** Peak level in dBFS on every channel; `levels` overrides it per channel. −Infinity is digital silence. */
  readonly dbfs: number;
  /** Per-channel peak levels in dBFS (Tech 3341 case 6). */
  readonly levels?: readonly number[];
  readonly signal?: "tone" | "speech-like";
  /** Channels carrying the signal; all when absent. */
  readonly on?: readonly number[];
}

export interface Format {
  readonly rate?: number;
  readonly channels?: number;
  readonly names?: readonly string[];
  readonly chunkFrames?: number;
}

/** Segments of tone one after the other, as the Tech 3341 / 3342 test signals are built. */
export function* programme(segments: readonly Segment[], format: Format = {}): Generator<AudioChunk> {
  const { rate = 48000, channels = 2 } = format;
  let start = 0;
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * 2 - 1;
  };
  const bounds = segments.map((segment) => {
    const from = start;
    start += Math.round(segment.seconds * rate);
    const amplitudes = Array.from({ length: channels }, (_, c) =>
      segment.on && !segment.on.includes(c) ? 0 : 10 ** ((segment.levels?.[c] ?? segment.dbfs) / 20),
    );
    return { from, to: start, segment, amplitudes };
  });
  let current = 0;
  let burstValue = 0;
  yield* chunked(start, format, (frame, channel) => {
    while ((bounds[current]?.to ?? Number.POSITIVE_INFINITY) <= frame) current++;
    const b = bounds[current];
    if (!b) return 0;
    const t = frame / rate;
    if (b.segment.signal === "speech-like") {
      // 300 ms "words", 150 ms pauses; one noise value per frame, shared by the channels.
      if (channel === 0) burstValue = t % 0.45 < 0.3 ? noise() : 0;
      return (b.amplitudes[channel] as number) * burstValue;
    }
    return (b.amplitudes[channel] as number) * Math.sin(2 * Math.PI * 1000 * t);
  });
}

/**
 * Tech 3341 cases 15–19: a sine at `fraction` of the sample rate, `amplitude` in fractions of full scale,
 * starting at `phaseDegrees`, tapered by 10 ms fades at both ends.
 */
export function* sineAtFraction(
  fraction: number,
  amplitude: number,
  phaseDegrees: number,
  seconds: number,
  format: Format = {},
): Generator<AudioChunk> {
  const { rate = 48000 } = format;
  const frames = Math.round(seconds * rate);
  const fade = Math.round(0.01 * rate);
  const phase = (phaseDegrees * Math.PI) / 180;
  yield* chunked(frames, format, (frame) => {
    const taper = Math.min(1, frame / fade, (frames - 1 - frame) / fade);
    return amplitude * taper * Math.sin(2 * Math.PI * fraction * frame + phase);
  });
}

/** Streams `frames` frames whose samples `sampleAt(frame, channel)` gives, in chunks. */
export function* chunked(
  frames: number,
  format: Format,
  sampleAt: (frame: number, channel: number) => number,
): Generator<AudioChunk> {
  const { rate = 48000, channels = 2, names = [], chunkFrames = 4800 } = format;
  for (let first = 0; first < frames; first += chunkFrames) {
    const count = Math.min(chunkFrames, frames - first);
    const samples = new Float32Array(count * channels);
    for (let f = 0; f < count; f++) {
      for (let c = 0; c < channels; c++) samples[f * channels + c] = sampleAt(first + f, c);
    }
    yield { time: first / rate, sampleRate: rate, channels, channelNames: names, samples };
  }
}
