/**
 * Joins one ffmpeg output's bytes (raw frames, PCM, or JPEG pictures of varying size) with the timestamps its
 * `framecrc` twin writes on another pipe. Both outputs get the same packets in the same order, so the n-th
 * framecrc line describes the n-th packet: its size says where the packet ends in the byte stream, its pts when
 * it was on the stream's timeline. Used by live connections and by the file decoder's picture output.
 */
import { FramecrcLines, type FramecrcPacket } from "./framecrc-lines.ts";

export interface TimedPacket {
  /** Seconds on the stream's own (raw) timeline. */
  readonly time: number;
  /** Seconds the packet lasts when the muxer knows it (audio); 0 otherwise. */
  readonly duration: number;
  readonly data: Uint8Array;
}

export class PacketPairer {
  private readonly times: FramecrcPacket[] = [];
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private readonly lines = new FramecrcLines((packet) => this.times.push(packet));

  constructor(private readonly emit: (packet: TimedPacket) => void) {}

  /** framecrc text, in whatever pieces the pipe delivers. */
  pushTimes(text: string): void {
    this.lines.push(text);
    this.drain();
  }

  pushData(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.drain();
  }

  private drain(): void {
    for (let next = this.times[0]; next && this.buffered >= next.size; next = this.times[0]) {
      this.times.shift();
      this.emit({ time: next.time, duration: next.duration, data: this.take(next.size) });
    }
  }

  private take(size: number): Uint8Array {
    const out = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const head = this.chunks[0] as Uint8Array;
      const want = size - filled;
      if (head.length <= want) {
        out.set(head, filled);
        filled += head.length;
        this.chunks.shift();
      } else {
        out.set(head.subarray(0, want), filled);
        this.chunks[0] = head.subarray(want);
        filled += want;
      }
    }
    this.buffered -= size;
    return out;
  }
}
