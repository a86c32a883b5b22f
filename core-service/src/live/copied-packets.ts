/**
 * Reads the framecrc lines of the economy profile's stream-copied video (live-args.ts videoCopyOutputs): one
 * line per packet, `0, dts, pts, duration, size, crc` and `, F=0x0` when the packet is not a keyframe (the
 * flags are printed only when they differ from "key"; the same on ffmpeg 4.1 and 5.1).
 */

export interface CopiedPacket {
  /** Raw seconds (pts). */
  readonly time: number;
  readonly duration: number;
  readonly size: number;
  readonly key: boolean;
}

const TIME_BASE = /^#tb \d+: (\d+)\/(\d+)/;
const PACKET = /^\s*\d+,\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*0x[0-9a-f]+(.*)$/i;
const FLAGS = /F=0x([0-9a-f]+)/i;
/** AV_PKT_FLAG_KEY */
const KEY_FLAG = 0x1;

export class CopiedPacketLines {
  private timeBase: number | undefined;
  private partialLine = "";

  constructor(private readonly emit: (packet: CopiedPacket) => void) {}

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
