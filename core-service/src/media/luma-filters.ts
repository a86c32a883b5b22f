/**
 * The ffmpeg filter steps that turn decoded pictures into the 8-bit luma planes the detectors read, shared by
 * file and live decoding so both hand detectors the same values. Planes keep the codes as decoded, in the
 * source's range (frames say which, and detectors measure against it): `format=gray` would stretch limited range
 * to full in a swscale pass that costs more than the scaling itself.
 *
 * Pictures of more than 8 bits (10-bit HEVC, ProRes and DNxHR 4:2:2) keep their depth up to the Y plane and are
 * brought to 8 bits there, once, on one plane: code 64 of 1023 (10-bit limited-range black) becomes 16 of 255.
 */

/** 8-bit planar YUV and gray: what most sources decode to, read without conversion. */
const EIGHT_BIT = [
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
];

/**
 * Deeper planar YUV, one depth at a time: extractplanes can only choose its formats when every candidate it is
 * offered has the same depth, so a list mixing depths fails for a picture that must be converted first.
 */
const DEEP_DEPTHS = [10, 12, 16];
function deepFormats(bits: number): string[] {
  return [...["420", "422", "444"].map((s) => `yuv${s}p${bits}le`), `gray${bits}le`];
}

/**
 * The Y plane as decoded, at the source's own bit depth when it is one of DEEP_DEPTHS (else converted to
 * 8 bits with all three planes, as any other format is: RGB, packed or semi-planar YUV).
 */
function lumaPlane(bitDepth: number): string {
  const formats = DEEP_DEPTHS.includes(bitDepth) ? deepFormats(bitDepth) : EIGHT_BIT;
  return `format=pix_fmts=${formats.join("|")},extractplanes=y`;
}

/**
 * swscale treats a gray picture as full range, and a frame tagged limited range (`color_range=tv`, as most
 * broadcast and x264 output is) would be stretched to full range by any scaling step (black 16 → 0). Declaring
 * both sides full range keeps the codes as they are; bit depth is still converted (64 of 1023 → 16 of 255).
 */
const KEEP_CODES = "in_range=pc:out_range=pc";

export interface PlaneSize {
  readonly width: number;
  readonly height: number;
}

/** What the luma steps need to know of the source: its bits per sample (8 for most delivery video). */
export interface LumaSource {
  readonly bitDepth: number;
}

/**
 * Luma at native resolution, always `size` (the probed picture size), so its reader never cuts records at the
 * wrong place. ffmpeg itself keeps an output at the size of its first picture when pictures change size midway,
 * but that first picture need not be the probed size: a live encoder reconfigured between the probe and the
 * connection, a file replaced after probing. At the probed size the scale step passes pictures through
 * untouched (no swscale context: no cost measured on 1080p H.264). Stretching to full range here would be a
 * full pass per picture (`format=gray` ≈ 38 M instructions per 1080p picture); the block measure does it
 * itself, in SIMD, for a fraction of that.
 */
export function nativeLumaFilter(source: LumaSource, size: PlaneSize): string {
  return `${lumaPlane(source.bitDepth)},scale=${size.width}:${size.height}:${KEEP_CODES},format=gray`;
}

/**
 * Luma area-averaged to width × height, each output pixel the mean of those it covers. With both ranges
 * declared full, scaling to gray costs what scaling the extracted plane did (≈40 % of scaling with the range
 * converted), and an 8-bit picture needs no extracted copy of its Y plane first (see scaledPlane).
 */
export function analysisLumaFilter(source: LumaSource, size: PlaneSize): string {
  return `${scaledPlane(source.bitDepth)},scale=${size.width}:${size.height}:flags=area:${KEEP_CODES},format=gray`;
}

/**
 * Luma point-sampled to width × height (nearest neighbour: each output pixel one source pixel), for measures of
 * the whole picture's level that a sample estimates as well as the full picture, at a cost that does not grow
 * with the source's size.
 */
export function syncLumaFilter(source: LumaSource, size: PlaneSize): string {
  return `${scaledPlane(source.bitDepth)},scale=${size.width}:${size.height}:flags=neighbor:${KEEP_CODES},format=gray`;
}

/**
 * What a downscaled picture (point-sampled or area-averaged) is scaled from. An 8-bit planar picture goes to
 * swscale as it is: scaling to gray reads the Y plane alone, and with both ranges declared full keeps its
 * codes, so the output is that of the extracted plane (checked byte for byte on 4:2:0, 4:1:1, 4:2:2, 4:4:4,
 * NV12, gray, RGB, tagged limited and full range, odd sizes, ffmpeg 4.1 and 5.1) without extractplanes copying
 * every picture's whole Y plane first: ≈0.3 s a minute of 1080p30 for the sync pictures, 0.2 s for the
 * analysis pictures (a third of the frames). Deeper pictures keep the one 8-bit conversion on the extracted plane.
 */
function scaledPlane(bitDepth: number): string {
  return DEEP_DEPTHS.includes(bitDepth) ? lumaPlane(bitDepth) : `format=pix_fmts=${EIGHT_BIT.join("|")}`;
}
