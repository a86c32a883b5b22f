/**
 * Joins one ffmpeg output's bytes (raw frames, PCM, or JPEG pictures of varying size) with the timestamps its
 * `framecrc` twin writes on another pipe. Both outputs get the same packets in the same order, so the n-th
 * framecrc line describes the n-th packet: its size says where the packet ends in the byte stream, its pts when
 * it was on the stream's timeline. Used by live connections and by the file decoder's picture output.
 */

export interface TimedPacket {
  /** Seconds on the stream's own (raw) timeline. */
  readonly time: number;
  /** Seconds the packet lasts when the muxer knows it (audio); 0 otherwise. */
  readonly duration: number;
  readonly data: Uint8Array;
}

interface PacketTime {
  readonly time: number;
  readonly duration: number;
  readonly size: number;
}

/** `#tb 0: 1/90000` */
const TIME_BASE = /^#tb \d+: (\d+)\/(\d+)/;
/** `0,     127920,     127920,        0,     2304, 0x2d6847e5` (stream, dts, pts, duration, size, crc) */
const PACKET = /^\s*\d+,\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),\s*(\d+)/;

export class PacketPairer {
  private timeBase: number | undefined;
  private partialLine = "";
  private readonly times: PacketTime[] = [];
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly emit: (packet: TimedPacket) => void) {}

  /** framecrc text, in whatever pieces the pipe delivers. */
  pushTimes(text: string): void {
    const lines = (this.partialLine + text).split("\n");
    this.partialLine = lines.pop() ?? "";
    for (const line of lines) this.parseLine(line);
    this.drain();
  }

  pushData(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.drain();
  }

  private parseLine(line: string): void {
    const base = TIME_BASE.exec(line);
    if (base) {
      this.timeBase = Number(base[1]) / Number(base[2]);
      return;
    }
    const packet = PACKET.exec(line);
    if (!packet || this.timeBase === undefined) return;
    this.times.push({
      time: Number(packet[2]) * this.timeBase,
      duration: Math.max(0, Number(packet[3]) * this.timeBase),
      size: Number(packet[4]),
    });
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
