/**
 * The ffmpeg filter steps that turn decoded pictures into the 8-bit luma planes the detectors read, shared by
 * file and live decoding so both hand detectors the same values. Planes keep the codes as decoded, in the
 * source's range (frames say which, and detectors measure against it): `format=gray` would stretch limited range
 * to full in a swscale pass that costs more than the scaling itself.
 */

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

/** The Y plane copied out as decoded; pictures that are not 8-bit planar YUV are first converted to one that is. */
const LUMA_PLANE = `format=pix_fmts=${PLANAR_YUV_8BIT},extractplanes=y`;

/**
 * Luma at native resolution. Stretching it to full range here would be a full pass per picture (`format=gray`
 * ≈ 38 M instructions per 1080p picture, a `lut` ≈ 19 M); the block measure does it itself, in SIMD, for a
 * fraction of that.
 */
export function nativeLumaFilter(): string {
  return LUMA_PLANE;
}

/**
 * Luma area-averaged to width × height, each output pixel the mean of those it covers (gray to gray: ≈40 % of
 * the cost of scaling straight from YUV to gray, which converts the range as well).
 */
export function analysisLumaFilter(size: { readonly width: number; readonly height: number }): string {
  return `${LUMA_PLANE},scale=${size.width}:${size.height}:flags=area`;
}
