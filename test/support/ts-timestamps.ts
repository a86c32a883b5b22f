/**
 * Wild timestamps in an MPEG transport stream, as one damaged PES header leaves them (found by fuzzing: a 3 s
 * file whose first picture claimed to be 16 h away). Only the presentation timestamp of one PES packet is
 * changed: its decoding timestamp stays, so ffmpeg's own discontinuity handling (which watches DTS) does not
 * see it.
 */
import { payloadRange } from "./ts-damage.ts";

const PACKET_SIZE = 188;
const PTS_CLOCK = 90_000;
const PTS_WRAP = 2 ** 33;

export interface WildTimestamp {
  readonly stream: "video" | "audio";
  /** Which PES packet of that stream (0 = the first). */
  readonly packet: number;
  /** Seconds added to its PTS (modulo the 33-bit wrap). */
  readonly shift: number;
}

/** A copy of `stream` with the PTS of each named PES packet shifted; throws when one does not exist. */
export function withWildTimestamps(stream: Buffer, wild: readonly WildTimestamp[]): Buffer {
  const out = Buffer.from(stream);
  const headers = pesHeaders(out);
  for (const w of wild) {
    const at = headers[w.stream][w.packet];
    if (at === undefined) throw new Error(`no ${w.stream} PES packet number ${w.packet}`);
    const pts = readPts(out, at);
    writePts(out, at, (((pts + Math.round(w.shift * PTS_CLOCK)) % PTS_WRAP) + PTS_WRAP) % PTS_WRAP);
  }
  return out;
}

/** Byte offsets of the PES headers that carry a PTS, per kind of stream (ids 0xE0–0xEF video, 0xC0–0xDF and 0xBD audio). */
function pesHeaders(data: Buffer): Record<WildTimestamp["stream"], number[]> {
  const found: Record<WildTimestamp["stream"], number[]> = { video: [], audio: [] };
  for (let offset = 0; offset + PACKET_SIZE <= data.length; offset += PACKET_SIZE) {
    const unitStart = ((data[offset + 1] as number) & 0x40) !== 0;
    const payload = payloadRange(data, offset);
    if (!unitStart || !payload) continue;
    const at = payload.start;
    if (data[at] !== 0 || data[at + 1] !== 0 || data[at + 2] !== 1) continue;
    if (((data[at + 7] as number) & 0x80) === 0) continue;
    const id = data[at + 3] as number;
    if (id >= 0xe0 && id <= 0xef) found.video.push(at);
    else if ((id >= 0xc0 && id <= 0xdf) || id === 0xbd) found.audio.push(at);
  }
  return found;
}

/** 33 bits over five bytes with marker bits (ISO/IEC 13818-1 2.4.3.7). */
function readPts(data: Buffer, at: number): number {
  const b = (k: number) => data[at + 9 + k] as number;
  return ((b(0) >> 1) & 0x07) * 2 ** 30 + (b(1) << 22) + ((b(2) >> 1) << 15) + (b(3) << 7) + (b(4) >> 1);
}

function writePts(data: Buffer, at: number, pts: number): void {
  const high = Math.floor(pts / 2 ** 30);
  const low = pts % 2 ** 30;
  const prefix = (data[at + 9] as number) & 0xf0;
  data[at + 9] = prefix | (high << 1) | 1;
  data[at + 10] = (low >> 22) & 0xff;
  data[at + 11] = (((low >> 15) & 0x7f) << 1) | 1;
  data[at + 12] = (low >> 7) & 0xff;
  data[at + 13] = ((low & 0x7f) << 1) | 1;
}
