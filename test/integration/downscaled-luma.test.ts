/**
 * The downscaled luma pictures (point-sampled sync pictures, area-averaged analysis pictures) scale 8-bit
 * pictures straight from the decoded YUV (no extractplanes copy): their samples must be exactly those of the
 * extracted Y plane scaled the same way, codes unstretched, whatever the layout or range tag.
 */

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { analysisLumaFilter, syncLumaFilter } from "../../core-service/src/media/luma-filters.ts";

const KINDS = [
  { kind: "sync", size: { width: 64, height: 36 }, filter: syncLumaFilter, flags: "neighbor" },
  { kind: "analysis", size: { width: 320, height: 180 }, filter: analysisLumaFilter, flags: "area" },
] as const;

/** What the picture was made from before: the Y plane extracted, then scaled. */
function fromExtractedPlane({ size, flags }: (typeof KINDS)[number]): string {
  return `extractplanes=y,scale=${size.width}:${size.height}:flags=${flags}:in_range=pc:out_range=pc,format=gray`;
}

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

const LAYOUTS = ["yuv420p", "yuvj420p", "yuv422p", "yuv444p", "yuv411p", "gray", "nv12", "rgb24"];
// setparams tags the range the way a decoder does (limited for most broadcast and x264 output).
const TAGGED = ["yuv420p,setparams=range=tv", "yuv422p,setparams=range=pc"];

describe.each(KINDS)("$kind luma pictures", (kind) => {
  it.each([...LAYOUTS, ...TAGGED])(
    "are the extracted Y plane's, scaled the same way, byte for byte, from %s",
    (pixelFormat) => {
      const direct = pictureThrough(pixelFormat, kind.filter({ bitDepth: 8 }, kind.size));
      const extracted =
        // RGB and semi-planar pictures have no Y plane to extract: the filter converts them first, as before.
        ["nv12", "rgb24"].includes(pixelFormat)
          ? pictureThrough(`${pixelFormat},format=yuv420p`, fromExtractedPlane(kind))
          : pictureThrough(pixelFormat, fromExtractedPlane(kind));
      expect(direct.length).toBe(kind.size.width * kind.size.height);
      expect(new Set(direct).size).toBeGreaterThan(20); // a detailed picture, not a flat one
      expect(Buffer.from(direct).equals(Buffer.from(extracted))).toBe(true);
    },
  );

  it("keep limited-range codes as decoded: black stays 16, white 235", () => {
    const { ffmpeg } = ffmpegBinaries();
    const plane = (colour: string) =>
      execFileSync(
        ffmpeg,
        [
          ...["-v", "error", "-f", "lavfi", "-i", `color=c=${colour}:s=640x360:d=0.04,format=yuv420p`],
          ...["-vf", kind.filter({ bitDepth: 8 }, kind.size), "-frames:v", "1"],
          ...["-f", "rawvideo", "-pix_fmt", "gray", "-"],
        ],
        { maxBuffer: 1 << 20 },
      );
    expect(new Set(plane("black"))).toEqual(new Set([16]));
    expect(new Set(plane("white"))).toEqual(new Set([235]));
  });
});
