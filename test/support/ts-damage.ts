/**
 * Transmission damage in an MPEG transport stream, as a lossy link leaves it. Two kinds:
 * - a burst (the default): the payload of some video packets is overwritten while every TS header (sync byte,
 *   PID, continuity counter, adaptation field) stays intact, so demuxing still works and only the decoder
 *   notices, conceals, and carries the damage to the next keyframe;
 * - packet loss (`loss`): that share of the window's video packets, picked at random, is lost (replaced by null
 *   packets, so the demuxer sees a continuity gap); losing a picture's first packet loses the whole picture,
 *   and the pictures that refer to it lose their reference.
 */
import { seededRandom } from "./seeded-random.ts";

const PACKET_SIZE = 188;
const SYNC_BYTE = 0x47;
const PTS_CLOCK = 90_000;

export interface DamageWindow {
  /** Media seconds (from the first video picture): every picture presented in [start, end) is damaged. */
  readonly start: number;
  readonly end: number;
  /** Share (0–1] of the window's video packets lost at random; absent = a burst in every picture. */
  readonly loss?: number;
  /** Seed of the random picks of `loss`. */
  readonly seed?: number;
}

interface Picture {
  readonly pts: number;
  /** Byte offsets of the payloads of the TS packets that carry this picture, in stream order. */
  readonly payloads: { start: number; end: number }[];
  /** Byte offsets of those packets themselves. */
  readonly packets: number[];
}

/** Returns a damaged copy; throws when a window holds no picture, so a recipe cannot silently damage nothing. */
export function damageVideoPictures(stream: Buffer, windows: readonly DamageWindow[]): Buffer {
  const damaged = Buffer.from(stream);
  const pictures = videoPictures(damaged);
  const origin = Math.min(...pictures.map((p) => p.pts));
  for (const window of windows) {
    const hit = pictures.filter((p) => {
      const time = (p.pts - origin) / PTS_CLOCK;
      return time >= window.start - 1e-3 && time < window.end - 1e-3;
    });
    if (hit.length === 0) throw new Error(`no video picture starts in ${window.start}–${window.end} s`);
    if (window.loss === undefined) for (const picture of hit) scramble(damaged, picture);
    else loseRandomPackets(damaged, hit, window.loss, window.seed ?? 1);
  }
  return damaged;
}

/**
 * Overwrites the middle third of a picture's packets. The first packet (PES header and the start of the first
 * slice) is spared, as a real loss rarely hits exactly there; the bytes written are never zero, so they cannot
 * form a start code and resynchronise the decoder early.
 */
function scramble(data: Buffer, picture: Picture): void {
  const count = picture.payloads.length;
  const from = Math.max(1, Math.floor(count / 3));
  const to = Math.max(from + 1, Math.ceil((2 * count) / 3));
  for (const payload of picture.payloads.slice(from, to)) overwriteWithNoise(data, payload);
}

/** Bytes that are never zero, so they cannot form a start code or look like padding. */
export function overwriteWithNoise(data: Buffer, range: { start: number; end: number }): void {
  for (let i = range.start; i < range.end; i++) data[i] = 0x80 | ((i * 73) & 0x7f);
}

/** Replaces a random `share` of the pictures' packets by null packets; at least one, so the window is damaged. */
function loseRandomPackets(data: Buffer, pictures: readonly Picture[], share: number, seed: number): void {
  if (!(share > 0 && share <= 1)) throw new Error(`loss must be a share in (0, 1], got ${share}`);
  const random = seededRandom(seed);
  const packets = pictures.flatMap((p) => p.packets);
  let lost = 0;
  for (const offset of packets) {
    if (random() >= share) continue;
    lost++;
    nullPacket(data, offset);
  }
  if (lost === 0) nullPacket(data, packets[Math.floor(random() * packets.length)] as number);
}

/** A null packet (PID 0x1FFF, payload only, stuffing bytes), which every demuxer skips. */
function nullPacket(data: Buffer, offset: number): void {
  data[offset + 1] = 0x1f;
  data[offset + 2] = 0xff;
  data[offset + 3] = 0x10;
  data.fill(0xff, offset + 4, offset + PACKET_SIZE);
}

/** Splits the video elementary stream (PES stream ids 0xE0–0xEF) into pictures, one PES packet each. */
function videoPictures(data: Buffer): Picture[] {
  const pictures: Picture[] = [];
  let videoPid: number | undefined;
  let current: Picture | undefined;
  for (let offset = 0; offset + PACKET_SIZE <= data.length; offset += PACKET_SIZE) {
    if (data[offset] !== SYNC_BYTE) throw new Error(`lost TS sync at byte ${offset}`);
    const pid = (((data[offset + 1] as number) & 0x1f) << 8) | (data[offset + 2] as number);
    const unitStart = ((data[offset + 1] as number) & 0x40) !== 0;
    const payload = payloadRange(data, offset);
    if (!payload) continue;
    if (unitStart) {
      const pts = videoPts(data, payload.start);
      if (pts !== undefined && (videoPid === undefined || videoPid === pid)) {
        videoPid = pid;
        current = { pts, payloads: [], packets: [] };
        pictures.push(current);
      } else if (pid === videoPid) {
        current = undefined;
      }
    }
    if (pid === videoPid && current) {
      current.payloads.push(payload);
      current.packets.push(offset);
    }
  }
  if (pictures.length === 0) throw new Error("the transport stream carries no video PES with timestamps");
  return pictures;
}

export function payloadRange(data: Buffer, offset: number): { start: number; end: number } | undefined {
  const control = ((data[offset + 3] as number) >> 4) & 0x3;
  if ((control & 0x1) === 0) return undefined;
  const adaptation = (control & 0x2) !== 0 ? 1 + (data[offset + 4] as number) : 0;
  const start = offset + 4 + adaptation;
  const end = offset + PACKET_SIZE;
  return start < end ? { start, end } : undefined;
}

/** The PTS of a video PES header starting at `at`, or undefined when it is not one. */
function videoPts(data: Buffer, at: number): number | undefined {
  const isPes = data[at] === 0 && data[at + 1] === 0 && data[at + 2] === 1;
  const streamId = data[at + 3] as number;
  if (!isPes || streamId < 0xe0 || streamId > 0xef) return undefined;
  const hasPts = ((data[at + 7] as number) & 0x80) !== 0;
  if (!hasPts) return undefined;
  return readPesTimestamp(data, at + 9);
}

/** A PES timestamp at `at`: 33 bits spread over five bytes with marker bits (ISO/IEC 13818-1 2.4.3.7). */
export function readPesTimestamp(data: Buffer, at: number): number {
  const b = (k: number) => data[at + k] as number;
  // Multiplication keeps the top bits out of 32-bit operators.
  return ((b(0) >> 1) & 0x07) * 2 ** 30 + (b(1) << 22) + ((b(2) >> 1) << 15) + (b(3) << 7) + (b(4) >> 1);
}
