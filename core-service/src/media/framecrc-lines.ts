/**
 * Reads ffmpeg's `framecrc` output: a `#tb` line per stream, then one line per packet,
 * `0, dts, pts, duration, size, 0xcrc`, with `, F=0x0` when the packet is not a keyframe (flags are printed only
 * when they differ from "key"; the same on ffmpeg 4.1 and 5.1). The one parser of these lines: the side pipes
 * that time raw outputs (packet-pairer.ts) and the economy profile's copied video packets.
 */

export interface FramecrcPacket {
  /** Seconds on the stream's own (raw) timeline (pts). */
  readonly time: number;
  /** Seconds the packet lasts when the muxer knows it (audio); 0 otherwise. */
  readonly duration: number;
  readonly size: number;
  readonly key: boolean;
}

/** `#tb 0: 1/90000` */
const TIME_BASE = /^#tb \d+: (\d+)\/(\d+)/;
/** `0,     127920,     127920,        0,     2304, 0x2d6847e5` (stream, dts, pts, duration, size, crc) */
const PACKET = /^\s*\d+,\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*0x[0-9a-f]+(.*)$/i;
const FLAGS = /F=0x([0-9a-f]+)/i;
/** AV_PKT_FLAG_KEY */
const KEY_FLAG = 0x1;

export class FramecrcLines {
  private timeBase: number | undefined;
  private partialLine = "";

  constructor(private readonly emit: (packet: FramecrcPacket) => void) {}

  /** framecrc text, in whatever pieces the pipe delivers (ASCII: a chunk boundary cannot split a character). */
  push(text: string): void {
    const lines = (this.partialLine + text).split("\n");
    this.partialLine = lines.pop() ?? "";
    for (const line of lines) this.parseLine(line);
  }

  private parseLine(line: string): void {
    const base = TIME_BASE.exec(line);
    if (base) {
      this.timeBase = Number(base[1]) / Number(base[2]);
      return;
    }
    const packet = PACKET.exec(line);
    if (!packet || this.timeBase === undefined) return;
    const flags = FLAGS.exec(packet[5] ?? "");
    this.emit({
      time: Number(packet[2]) * this.timeBase,
      duration: Math.max(0, Number(packet[3]) * this.timeBase),
      size: Number(packet[4]),
      key: flags ? (Number.parseInt(flags[1] as string, 16) & KEY_FLAG) !== 0 : true,
    });
  }
}
