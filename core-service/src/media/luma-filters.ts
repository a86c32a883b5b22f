/**
 * The ffmpeg filter steps that turn decoded pictures into the 8-bit luma planes the detectors read, shared by
 * file and live decoding so both hand detectors the same values. Every plane comes out full range (0..255):
 * swscale's gray output is full range, so limited-range video (black at 16) is stretched to it, and the
 * detectors' thresholds were set on such planes.
 */
import type { LumaFrame } from "../detectors/types.ts";
import type { VideoStreamInfo } from "./probe.ts";

/** The range of every luma plane these filters deliver, whatever the source's own range. */
export const DELIVERED_LUMA_RANGE: LumaFrame["range"] = "full";

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
 * The stretch swscale applies to limited-range luma going to gray, as a table (identical for all 256 codes,
 * checked against `format=gray`).
 */
const LIMITED_TO_FULL = "lut=c0='clip(round((val-16)*255/219)\\,0\\,255)'";

/**
 * Luma at native resolution. At native size `format=gray` would be a full swscale pass (≈1.8 ms per 1080p
 * picture); taking the Y plane as decoded (extractplanes, a copy) and stretching it by table costs a third of
 * that. Pictures that are not 8-bit planar YUV are first converted to one that is.
 */
export function nativeLumaFilter(range: VideoStreamInfo["range"]): string {
  const plane = `format=pix_fmts=${PLANAR_YUV_8BIT},extractplanes=y`;
  return range === "limited" ? `${plane},${LIMITED_TO_FULL}` : plane;
}
