/**
 * Video decoders' complaints on ffmpeg's stderr (concealment, damaged macroblocks, missing references): a
 * supporting signal for block corruption, shared by file and live decoding. Their wording differs per codec
 * and per ffmpeg version, so they are never the only signal.
 */
const VIDEO_DECODERS =
  /^(h264|hevc|mpeg2video|mpeg1video|mpeg4|vp8|vp9|av1|libdav1d|h263|mjpeg|prores|vc1|wmv3)$/;
const DECODER_COMPLAINT =
  /conceal|error|damaged|corrupt|invalid|missing|not available|overread|out of range/i;

/** "[h264 @ 0x55d…] concealing 236 DC, 236 AC, 236 MV errors in P frame" → the message, for video decoders only. */
export function parseDecoderComplaint(line: string): string | undefined {
  const match = /^\[([\w-]+) @ 0x[0-9a-f]+\] (.+)$/.exec(line.trim());
  if (!match?.[1] || !match[2]) return undefined;
  if (!VIDEO_DECODERS.test(match[1]) || !DECODER_COMPLAINT.test(match[2])) return undefined;
  return `${match[1]}: ${match[2]}`;
}
