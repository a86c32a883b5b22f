/**
 * The ffmpeg filter steps that turn decoded pictures into the 8-bit luma planes the detectors read, shared by
 * file and live decoding so both hand detectors the same values.
 */
import type { LumaFrame } from "../detectors/types.ts";

/**
 * The range of the downscaled analysis planes, whatever the source's: swscale's gray output is full range, so
 * limited-range video (black at 16) comes out stretched to 0..255.
 */
export const ANALYSIS_LUMA_RANGE: LumaFrame["range"] = "full";

/** Luma area-averaged to width × height (each output pixel the mean of those it covers), in one swscale pass. */
export function analysisLumaFilter(size: { readonly width: number; readonly height: number }): string {
  return `scale=${size.width}:${size.height}:flags=area,format=gray`;
}

const PLANAR_YUV_8BIT = [
  "yuv420p",
  "yuvj420p",
  "yuv422p",
  "yuvj422p",
  "yuv444p",
  "yuvj444p",
  "yuv440p",
  "yuvj440p",
  "yuv411p",
  "yuv410p",
  "gray",
].join("|");

/**
 * Luma at native resolution, as decoded: the Y plane copied out (extractplanes), in the source's own range.
 * Converting it at native size would be a full pass per picture (`format=gray` ≈ 38 M instructions per 1080p
 * picture, a `lut` to full range ≈ 19 M); the block measure stretches limited range itself, in SIMD, for a
 * fraction of that. Pictures that are not 8-bit planar YUV are first converted to one that is.
 */
export function nativeLumaFilter(): string {
  return `format=pix_fmts=${PLANAR_YUV_8BIT},extractplanes=y`;
}
