/**
 * The recent sound level, kept for the strip an audio defect's evidence draws: RMS and peak of every 100 ms
 * block (the loudest channel's) and the quietest channel's RMS, for the last 40 seconds. A fixed ring, so memory is the same after twelve
 * hours as after one minute; one pass over the samples with two sums, next to what the detectors do with them.
 */
import type { AudioChunk } from "../detectors/types.ts";

export interface LevelPoint {
  /** Media seconds of the block's first sample. */
  readonly t: number;
  /** dBFS, floored at LEVEL_FLOOR_DB. */
  readonly rms: number;
  readonly peak: number;
  /** RMS of the quietest channel, dBFS: where a channel that went silent shows (channel-loss). */
  readonly quietest: number;
}

const BLOCK_SECONDS = 0.1;
/** Enough for the slowest audio detector (loudness, 10 s) plus the lead-in the strip shows before an onset. */
const KEPT_SECONDS = 40;
export const LEVEL_FLOOR_DB = -90;

export class SoundLevels {
  readonly #ring: (LevelPoint | undefined)[] = new Array(Math.round(KEPT_SECONDS / BLOCK_SECONDS));
  #next = 0;
  #count = 0;
  /** The block being summed: its start time, samples per channel so far, per-channel sums of squares. */
  #blockStart: number | undefined;
  #blockFrames = 0;
  #squares: Float64Array = new Float64Array(0);
  #peak = 0;

  push(chunk: AudioChunk): void {
    const { samples, channels, sampleRate } = chunk;
    if (this.#squares.length !== channels) this.#restart(channels);
    const blockFrames = Math.max(1, Math.round(sampleRate * BLOCK_SECONDS));
    const frames = samples.length / channels;
    for (let frame = 0; frame < frames; frame++) {
      if (this.#blockStart === undefined) this.#blockStart = chunk.time + frame / sampleRate;
      for (let channel = 0; channel < channels; channel++) {
        const sample = samples[frame * channels + channel] as number;
        this.#squares[channel] = (this.#squares[channel] as number) + sample * sample;
        const magnitude = Math.abs(sample);
        if (magnitude > this.#peak) this.#peak = magnitude;
      }
      if (++this.#blockFrames === blockFrames) this.#closeBlock();
    }
  }

  /** The kept points from `from` to `to` (media seconds), oldest first. */
  between(from: number, to: number): LevelPoint[] {
    const points: LevelPoint[] = [];
    const size = this.#ring.length;
    for (let i = 0; i < this.#count; i++) {
      const point = this.#ring[(this.#next - this.#count + i + size) % size] as LevelPoint;
      if (point.t >= from && point.t <= to) points.push(point);
    }
    return points;
  }

  #closeBlock(): void {
    let loudest = 0;
    let quietest = Number.POSITIVE_INFINITY;
    for (const sum of this.#squares) {
      loudest = Math.max(loudest, sum / this.#blockFrames);
      quietest = Math.min(quietest, sum / this.#blockFrames);
    }
    this.#ring[this.#next] = {
      t: this.#blockStart ?? 0,
      rms: decibels(loudest, 10),
      peak: decibels(this.#peak, 20),
      quietest: decibels(quietest, 10),
    };
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#count = Math.min(this.#count + 1, this.#ring.length);
    this.#blockStart = undefined;
    this.#blockFrames = 0;
    this.#squares.fill(0);
    this.#peak = 0;
  }

  /** A stream whose channel count changes (a live source re-opened) starts a new block. */
  #restart(channels: number): void {
    this.#squares = new Float64Array(channels);
    this.#blockStart = undefined;
    this.#blockFrames = 0;
    this.#peak = 0;
  }
}

/** `factor` 10 for a power (mean square), 20 for an amplitude. */
function decibels(value: number, factor: number): number {
  return value > 0 ? Math.max(LEVEL_FLOOR_DB, factor * Math.log10(value)) : LEVEL_FLOOR_DB;
}
