/**
 * Transmission damage in an IVF file (VP8/VP9/AV1 frames, each behind a 12-byte header: size and timestamp),
 * the kind ts-damage.ts makes in MPEG-TS: a burst in every frame of a window (its middle third overwritten), or
 * a share of the window's data lost in 188-byte pieces (overwritten, as a frame cannot get shorter without
 * the decoder noticing at once). Frame headers and the first piece of each frame (the codec's own picture
 * header) are spared, as a link that loses those loses the whole frame, which the decoder reports outright.
 */
import { seededRandom } from "./seeded-random.ts";
import { type DamageWindow, overwriteWithNoise } from "./ts-damage.ts";

const FILE_HEADER = 32;
const FRAME_HEADER = 12;
const PIECE = 188;

interface Frame {
  readonly pts: number;
  readonly start: number;
  readonly end: number;
}

/** Returns a damaged copy; throws when a window holds no frame, so a recipe cannot silently damage nothing. */
export function damageIvfFrames(file: Buffer, windows: readonly DamageWindow[]): Buffer {
  if (file.toString("latin1", 0, 4) !== "DKIF") throw new Error("not an IVF file");
  const damaged = Buffer.from(file);
  const rate = file.readUInt32LE(16);
  const scale = file.readUInt32LE(20);
  const frames = ivfFrames(file);
  const origin = Math.min(...frames.map((f) => f.pts));
  for (const window of windows) {
    const hit = frames.filter((f) => {
      const time = ((f.pts - origin) * scale) / rate;
      return time >= window.start - 1e-3 && time < window.end - 1e-3;
    });
    if (hit.length === 0) throw new Error(`no frame starts in ${window.start}–${window.end} s`);
    if (window.loss === undefined) for (const frame of hit) overwriteWithNoise(damaged, middleThird(frame));
    else loseRandomPieces(damaged, hit, window.loss, window.seed ?? 1);
  }
  return damaged;
}

function ivfFrames(file: Buffer): Frame[] {
  const frames: Frame[] = [];
  for (let at = FILE_HEADER; at + FRAME_HEADER <= file.length; ) {
    const size = file.readUInt32LE(at);
    const pts = Number(file.readBigUInt64LE(at + 4));
    const start = at + FRAME_HEADER;
    frames.push({ pts, start, end: Math.min(file.length, start + size) });
    at = start + size;
  }
  if (frames.length === 0) throw new Error("the IVF file carries no frame");
  return frames;
}

function middleThird(frame: Frame): { start: number; end: number } {
  const third = Math.floor((frame.end - frame.start) / 3);
  return { start: frame.start + third, end: frame.start + 2 * third };
}

function loseRandomPieces(data: Buffer, frames: readonly Frame[], share: number, seed: number): void {
  if (!(share > 0 && share <= 1)) throw new Error(`loss must be a share in (0, 1], got ${share}`);
  const random = seededRandom(seed);
  const pieces = frames.flatMap((f) => {
    const inFrame: { start: number; end: number }[] = [];
    for (let at = f.start + PIECE; at < f.end; at += PIECE)
      inFrame.push({ start: at, end: Math.min(f.end, at + PIECE) });
    return inFrame;
  });
  if (pieces.length === 0) throw new Error("the window's frames are too small to lose a piece of");
  const lost = pieces.filter(() => random() < share);
  for (const piece of lost.length > 0 ? lost : [pieces[0] as { start: number; end: number }])
    overwriteWithNoise(data, piece);
}
