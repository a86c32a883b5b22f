/**
 * Native planes leave ffmpeg as the Y plane as decoded (a copy, no conversion pass) and the block measure
 * stretches limited range itself: the result must be what swscale's full-range gray output would have given.
 */

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { measurePlane } from "../../core-service/src/detectors/blocking-kernel.ts";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { analysisLumaFilter, nativeLumaFilter } from "../../core-service/src/media/luma-filters.ts";

const WIDTH = 256;
const HEIGHT = 64;

/** One limited-range picture holding every luma code (column x = code x, rows shifted), through `filter`. */
function rampThrough(filter: string): Uint8Array {
  const { ffmpeg } = ffmpegBinaries();
  return execFileSync(
    ffmpeg,
    [
      ...["-v", "error", "-f", "lavfi", "-i", `nullsrc=s=${WIDTH}x${HEIGHT}:d=0.04,format=yuv420p`],
      ...["-vf", `geq=lum='mod(X+3*Y\\,256)':cb=128:cr=128,${filter}`],
      ...["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
    ],
    { maxBuffer: WIDTH * HEIGHT * 2 },
  );
}

describe("native luma planes", () => {
  it("are the decoded codes, and measure as swscale's full-range gray picture does", () => {
    const native = rampThrough(nativeLumaFilter({ bitDepth: 8 }, { width: WIDTH, height: HEIGHT }));
    const gray = rampThrough("format=gray");
    expect(native.length).toBe(WIDTH * HEIGHT);
    expect(native[16]).toBe(16); // column 16 of the first row: code 16, limited-range black, as decoded
    expect(gray[16]).toBe(0); // …which swscale's gray output stretches to 0

    const fromNative = measurePlane({ width: WIDTH, height: HEIGHT, data: native, range: "limited" }, 1, 255);
    const fromGray = measurePlane({ width: WIDTH, height: HEIGHT, data: gray, range: "full" }, 1, 255);
    expect(Array.from(fromNative.profiles.columns)).toEqual(Array.from(fromGray.profiles.columns));
    expect(Array.from(fromNative.profiles.rows)).toEqual(Array.from(fromGray.profiles.rows));
    expect(fromNative.segments).toEqual(fromGray.segments);
  });

  it("bring 10-bit pictures to 8-bit codes once, on the Y plane: black 64 → 16, white 940 → 235 (±1)", () => {
    const { ffmpeg } = ffmpegBinaries();
    // Left half 10-bit limited-range black, right half white.
    const picture = (filter: string) =>
      execFileSync(
        ffmpeg,
        [
          ...["-v", "error", "-f", "lavfi", "-i", `nullsrc=s=${WIDTH}x${HEIGHT}:d=0.04,format=yuv422p10le`],
          ...["-vf", `geq=lum='if(lt(X\\,${WIDTH / 2})\\,64\\,940)':cb=512:cr=512,${filter}`],
          ...["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        ],
        { maxBuffer: WIDTH * HEIGHT * 2 },
      );
    const native = picture(nativeLumaFilter({ bitDepth: 10 }, { width: WIDTH, height: HEIGHT }));
    expect(native.length).toBe(WIDTH * HEIGHT);
    expect(native[0]).toBe(16);
    expect(Math.abs((native[WIDTH - 1] ?? 0) - 235)).toBeLessThanOrEqual(1);
    const small = picture(analysisLumaFilter({ bitDepth: 10 }, { width: WIDTH / 4, height: HEIGHT / 4 }));
    expect(small.length).toBe((WIDTH / 4) * (HEIGHT / 4));
    expect(small[0]).toBe(16);
    expect(Math.abs((small[WIDTH / 4 - 1] ?? 0) - 235)).toBeLessThanOrEqual(1);
  });
});
