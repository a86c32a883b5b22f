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
  const tone = new Oscillator(1000 / rate);
  yield* chunked(start, format, (frame, out) => {
    while ((bounds[current]?.to ?? Number.POSITIVE_INFINITY) <= frame) current++;
    const b = bounds[current];
    if (!b) return out.fill(0);
    const t = frame / rate;
    // Speech-like: 300 ms "words" of noise, 150 ms pauses; one value per frame, shared by the channels.
    const value = b.segment.signal === "speech-like" ? (t % 0.45 < 0.3 ? noise() : 0) : tone.at(frame);
    for (let c = 0; c < out.length; c++) out[c] = (b.amplitudes[c] as number) * value;
  });
}

/**
 * sin(2π·cycles·frame) for consecutive frames by rotating a phasor (a few multiplications instead of a sine
 * per sample), re-anchored on the exact value every 4096 frames so rounding never accumulates.
 */
class Oscillator {
  private readonly cos: number;
  private readonly sin: number;
  private next = -1;
  private re = 1;
  private im = 0;

  constructor(private readonly cycles: number) {
    this.cos = Math.cos(2 * Math.PI * cycles);
    this.sin = Math.sin(2 * Math.PI * cycles);
  }

  at(frame: number): number {
    if (frame !== this.next || frame % 4096 === 0) {
      this.re = Math.cos(2 * Math.PI * this.cycles * frame);
      this.im = Math.sin(2 * Math.PI * this.cycles * frame);
    } else {
      const re = this.re * this.cos - this.im * this.sin;
      this.im = this.im * this.cos + this.re * this.sin;
      this.re = re;
    }
    this.next = frame + 1;
    return this.im;
  }
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
  yield* chunked(frames, format, (frame, out) => {
    const taper = Math.min(1, frame / fade, (frames - 1 - frame) / fade);
    out.fill(amplitude * taper * Math.sin(2 * Math.PI * fraction * frame + phase));
  });
}

/** Streams `frames` frames in chunks; `frameAt(frame, out)` writes one frame's sample of every channel. */
export function* chunked(
  frames: number,
  format: Format,
  frameAt: (frame: number, out: Float64Array) => void,
): Generator<AudioChunk> {
  const { rate = 48000, channels = 2, names = [], chunkFrames = 4800 } = format;
  const out = new Float64Array(channels);
  for (let first = 0; first < frames; first += chunkFrames) {
    const count = Math.min(chunkFrames, frames - first);
    const samples = new Float32Array(count * channels);
    for (let f = 0; f < count; f++) {
      frameAt(first + f, out);
      for (let c = 0; c < channels; c++) samples[f * channels + c] = out[c] as number;
    }
    yield { time: first / rate, sampleRate: rate, channels, channelNames: names, samples };
  }
}
