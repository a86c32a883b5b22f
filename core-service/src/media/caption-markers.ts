/**
 * Closed captions as ffmpeg reports them, shared by file and live decoding. ffmpeg's H.264, HEVC and MPEG-2
 * decoders (4.1 and 5.1 alike, no option needed) turn ATSC A/53 caption data (SEI user_data_registered_itu_t_t35
 * "GA94", MPEG-2 picture user data) into A/53 side data on the decoded picture. A branch of the video graph
 * keeps only those pictures (`sidedata=mode=select:type=A53_CC`) and writes one line for each on stderr, in
 * framehash's format with a SHA-256 (64 hex digits), so it cannot be confused with the framecrc frame markers
 * (0x…) or the framemd5 keyframe markers (32 digits). Like a keyframe marker, it follows its own frame's marker.
 *
 * Why not `showinfo`, which names the captioned pictures too: it prints several lines for *every* picture, and
 * each line is a few unbuffered writes, i.e. a wake-up of the reading process. On the 1080p30 bench clip that was
 * 18 000 writes a minute on stderr, ten times the frame markers, and most of the cost of reading stderr.
 */

/** The filter step (without separators) that lets through only the pictures carrying caption data. */
export const CAPTION_FILTER = "sidedata=mode=select:type=A53_CC";

const CAPTION_MARKER = /^0,\s*-?\d+,\s*-?\d+,\s*\d+,\s*\d+, [0-9a-f]{64}$/;

/** A captioned picture's line: the picture whose frame marker came just before it. */
export function isCaptionMarker(line: string): boolean {
  return CAPTION_MARKER.test(line);
}

/** The output writing one caption marker per picture at `label`, flushed at once, on `fd` (stderr). */
export function captionMarkerOutput(
  label: string,
  fd: number,
  outputOptions: readonly string[] = [],
): string[] {
  return [
    "-map",
    label,
    ...outputOptions,
    "-c:v",
    "wrapped_avframe",
    "-f",
    "framehash",
    "-hash",
    "sha256",
    "-flush_packets",
    "1",
    `pipe:${fd}`,
  ];
}
