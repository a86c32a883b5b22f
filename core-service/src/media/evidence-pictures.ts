/**
 * The small colour pictures evidence is made of, as one more branch of the decode's filter graph (file and
 * live alike): a few pictures a second, scaled to the analysis size (at most 320 px wide), JPEG-encoded by
 * ffmpeg itself. Encoding inside ffmpeg keeps pictures small in memory (≈10 KB each instead of ≈90 KB of raw
 * YUV) and needs no JPEG encoder in Node; the tee muxer writes each encoded picture once to a data pipe and
 * once, as a framecrc line with its size and time, to a side pipe, so the reader can cut the byte stream into
 * pictures without parsing JPEG markers (media/packet-pairer.ts).
 */

/** Colour pictures a second: an onset's picture is at most half a second after it. */
export const EVIDENCE_PICTURES_PER_SECOND = 2;

/** ffmpeg's JPEG quantiser scale (2 best … 31 worst): clear at 320 px for ≈10 KB. */
const JPEG_QUALITY = 4;

/**
 * Scales to the thumbnail's size in one swscale pass that also converts to the full-range YUV JPEG needs
 * (limited-range black 16 becomes 0), so the picture's colours are those a player shows.
 */
export function evidencePictureFilter(size: { readonly width: number; readonly height: number }): string {
  return `scale=${size.width}:${size.height}:flags=area,format=yuvj420p`;
}

/**
 * The output options of the picture branch `label`: one JPEG encode, the pictures on `dataFd`, their framecrc
 * lines on `timesFd`. `beforeFormat` goes between the encoder and the muxer options (e.g. live's timestamps).
 */
export function evidencePictureOutput(
  label: string,
  pipes: { readonly dataFd: number; readonly timesFd: number },
  beforeFormat: readonly string[] = [],
): string[] {
  return [
    ...["-map", label, "-c:v", "mjpeg", "-q:v", String(JPEG_QUALITY), ...beforeFormat],
    ...["-f", "tee", `[f=image2pipe]pipe:${pipes.dataFd}|[f=framecrc]pipe:${pipes.timesFd}`],
  ];
}
