/**
 * The point-sampled sync pictures scale 8-bit pictures straight from the decoded YUV (no extractplanes copy):
 * their samples must be exactly those of the extracted Y plane, codes unstretched, whatever the layout.
 */

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { syncLumaFilter } from "../../core-service/src/media/luma-filters.ts";

const SIZE = { width: 64, height: 36 };
/** What the sync picture was made from before: the Y plane extracted, then point-sampled. */
const FROM_EXTRACTED_PLANE = `extractplanes=y,scale=${SIZE.width}:${SIZE.height}:flags=neighbor:in_range=pc:out_range=pc,format=gray`;

/** A detailed 642×362 picture (odd size, not a multiple of 8) in `pixelFormat`, through `filter`. */
function pictureThrough(pixelFormat: string, filter: string): Uint8Array {
  const { ffmpeg } = ffmpegBinaries();
  return execFileSync(
    ffmpeg,
    [
      ...["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=642x362:d=0.04", "-vf"],
      `format=${pixelFormat},${filter}`,
      ...["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
    ],
    { maxBuffer: 1 << 20 },
  );
}

describe("sync luma pictures", () => {
  it.each(["yuv420p", "yuvj420p", "yuv422p", "yuv444p", "gray"])(
    "are the extracted Y plane's samples, byte for byte, from %s",
    (pixelFormat) => {
      const direct = pictureThrough(pixelFormat, syncLumaFilter({ bitDepth: 8 }, SIZE));
      const extracted = pictureThrough(pixelFormat, FROM_EXTRACTED_PLANE);
      expect(direct.length).toBe(SIZE.width * SIZE.height);
      expect(new Set(direct).size).toBeGreaterThan(20); // a detailed picture, not a flat one
      expect(Buffer.from(direct).equals(Buffer.from(extracted))).toBe(true);
    },
  );

  it("keep limited-range codes as decoded: black stays 16, white 235", () => {
    const { ffmpeg } = ffmpegBinaries();
    const half = (colour: string) =>
      execFileSync(
        ffmpeg,
        [
          ...["-v", "error", "-f", "lavfi", "-i", `color=c=${colour}:s=320x180:d=0.04,format=yuv420p`],
          ...["-vf", syncLumaFilter({ bitDepth: 8 }, SIZE), "-frames:v", "1"],
          ...["-f", "rawvideo", "-pix_fmt", "gray", "-"],
        ],
        { maxBuffer: 1 << 16 },
      );
    expect(new Set(half("black"))).toEqual(new Set([16]));
    expect(new Set(half("white"))).toEqual(new Set([235]));
  });
});
