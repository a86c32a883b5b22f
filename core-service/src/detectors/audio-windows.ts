/**
 * Cuts a stream of audio chunks, whatever their sizes, into fixed windows of interleaved samples aligned to the
 * stream, so a detector's decisions do not depend on how the decoder happened to chunk its output. A change of
 * sample rate or channel count hands on the partial window and starts again in the new format.
 */
import type { AudioChunk } from "./types.ts";

export interface AudioWindow {
  /** Interleaved samples; reused for the next window once the callback returns. */
  readonly samples: Float32Array;
  readonly frames: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly channelNames: readonly string[];
  /** Media time of the first sample. */
  readonly time: number;
  /** Media time just after the last sample. */
  readonly end: number;
}

export class AudioWindows<T> {
  private buffer = new Float32Array(0);
  private filled = 0;
  private start = 0;
  private format: { sampleRate: number; channels: number; channelNames: readonly string[] } | undefined;

  /** `seconds`: window length; `onWindow` sees each full window (and the partial last one, at `flush`). */
  constructor(
    private readonly seconds: number,
    private readonly onWindow: (window: AudioWindow) => T[],
  ) {}

  push(chunk: AudioChunk): T[] {
    const out: T[] = [];
    if (
      !this.format ||
      this.format.sampleRate !== chunk.sampleRate ||
      this.format.channels !== chunk.channels
    ) {
      out.push(...this.flush());
      this.format = {
        sampleRate: chunk.sampleRate,
        channels: chunk.channels,
        channelNames: chunk.channelNames,
      };
      const frames = Math.max(1, Math.round(this.seconds * chunk.sampleRate));
      this.buffer = new Float32Array(frames * chunk.channels);
    }
    const { channels, sampleRate } = chunk;
    const capacity = this.buffer.length / channels;
    const frames = Math.floor(chunk.samples.length / channels);
    let f = 0;
    while (f < frames) {
      if (this.filled === 0) this.start = chunk.time + f / sampleRate;
      const take = Math.min(frames - f, capacity - this.filled);
      this.buffer.set(chunk.samples.subarray(f * channels, (f + take) * channels), this.filled * channels);
      this.filled += take;
      f += take;
      if (this.filled === capacity) out.push(...this.hand());
    }
    return out;
  }

  /** Hands on the partial window, if any. */
  flush(): T[] {
    return this.filled > 0 ? this.hand() : [];
  }

  private hand(): T[] {
    const format = this.format;
    const frames = this.filled;
    this.filled = 0;
    if (!format) return [];
    return this.onWindow({
      samples: this.buffer.subarray(0, frames * format.channels),
      frames,
      channels: format.channels,
      sampleRate: format.sampleRate,
      channelNames: format.channelNames,
      time: this.start,
      end: this.start + frames / format.sampleRate,
    });
  }
}
