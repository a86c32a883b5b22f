/**
 * Reads pictures back as RGB with the real ffmpeg, so evidence is checked for what it shows: an evidence JPEG
 * (bytes or a file), or a source's frame at a given time scaled to the same size. Plus the few measures the
 * checks need: how dark, how colourful, how different.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";

export interface RgbPicture {
  readonly width: number;
  readonly height: number;
  /** rgb24, row-major. */
  readonly data: Uint8Array;
}

/** An encoded picture (JPEG bytes) decoded to RGB at its own size. */
export function decodePicture(bytes: Uint8Array): RgbPicture {
  const dir = mkdtempSync(join(tmpdir(), "avmon-picture-"));
  try {
    const path = join(dir, "picture.jpg");
    writeFileSync(path, bytes);
    const { width, height } = pictureSize(path);
    return { width, height, data: rgbOf(["-i", path]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The source's picture at `seconds` (of its timeline from the first frame), scaled to width × height. */
export function sourceFrameAt(source: string, seconds: number, width: number, height: number): RgbPicture {
  return {
    width,
    height,
    data: rgbOf(["-ss", String(seconds), "-i", source, "-vf", `scale=${width}:${height}:flags=area`]),
  };
}

export function pictureSize(path: string): { width: number; height: number } {
  const out = execFileSync(
    ffmpegBinaries().ffprobe,
    ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
    { encoding: "utf8" },
  );
  const [width, height] = out.trim().split(",").map(Number);
  return { width: width ?? 0, height: height ?? 0 };
}

/** Mean of R, G and B over the picture, 0–255. */
export function meanLevel(picture: RgbPicture): number {
  let sum = 0;
  for (const value of picture.data) sum += value;
  return sum / picture.data.length;
}

/** Mean of max(R,G,B) − min(R,G,B): 0 for any grey picture, large for saturated colour. */
export function meanSaturation(picture: RgbPicture): number {
  let sum = 0;
  for (let i = 0; i < picture.data.length; i += 3) {
    const [r, g, b] = [picture.data[i] ?? 0, picture.data[i + 1] ?? 0, picture.data[i + 2] ?? 0];
    sum += Math.max(r, g, b) - Math.min(r, g, b);
  }
  return sum / (picture.data.length / 3);
}

/** Mean absolute difference of two same-sized pictures, 0–255. */
export function meanDifference(a: RgbPicture, b: RgbPicture): number {
  if (a.data.length !== b.data.length)
    throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
  return sum / a.data.length;
}

function rgbOf(input: readonly string[]): Uint8Array {
  return execFileSync(
    ffmpegBinaries().ffmpeg,
    ["-v", "error", ...input, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    { maxBuffer: 64 * 1024 * 1024 },
  );
}
