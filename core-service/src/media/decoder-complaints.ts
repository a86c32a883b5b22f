/**
 * Complaints on ffmpeg's stderr that a video picture is damaged (concealment, broken macroblocks, lost
 * references, undecodable packets): a supporting signal for block corruption, shared by file and live
 * decoding. Their wording differs per codec and per ffmpeg version, so they are never the only signal.
 *
 * Three sources say so, with these wordings (seen with ffmpeg 4.1 and Debian's 5.1 on damaged H.264, HEVC,
 * VP9 and MPEG-2; the decoders' sources hold many more variants, which the word list below catches):
 * - the video decoders, `[h264 @ 0x…] concealing 236 DC, 236 AC, 236 MV errors in P frame`,
 *   `error while decoding MB 15 13`, `cabac decode of qscale diff failed`, `left block unavailable…`;
 *   `[hevc @ 0x…] Could not find ref with POC 12`, `PPS id out of range: 3`, `Error parsing NAL unit #4`;
 *   `[vp9 @ 0x…] Marker bit was set`, `Not all references are available`;
 *   `[mpeg2video @ 0x…] ac-tex damaged at 15 9`, `Warning MVs not available`, `end mismatch left=…`,
 *   `slice mismatch`, `Invalid mb type in P-frame`; `[libdav1d @ 0x…] Error parsing OBU data`;
 * - the demuxer, on packets it knows are incomplete (5.1): `[mpegts @ 0x…] Packet corrupt (stream = 0, …)`;
 * - ffmpeg itself, on packets a decoder rejected outright (VP9 drops such frames without a word of its own):
 *   `Error while decoding stream #0:0: Invalid data found when processing input`, and (5.1)
 *   `clip.ts: corrupt input packet in stream 0`, `corrupt decoded frame in stream 0`.
 * The last two kinds name a stream, so only those naming the video stream count.
 */

const VIDEO_DECODERS =
  /^(h264|hevc|mpeg2video|mpeg1video|mpeg4|vp8|vp9|av1|libdav1d|libaom-av1|h263|mjpeg|prores|vc1|wmv3)$/;
const DECODER_COMPLAINT =
  /conceal|error|damaged|corrupt|invalid|missing|not available|unavailable|could not find|failed|mismatch|overread|out of range|illegal|non-existing|marker bit/i;
/** `[name @ 0x55d…] message` */
const LOGGED = /^\[([\w-]+) @ 0x[0-9a-f]+\] (.+)$/;
const DEMUXER_CORRUPT = /^Packet corrupt \(stream = (\d+)\b/;
const FFMPEG_DECODE_FAILED = /^Error while decoding stream #\d+:(\d+): (.+)$/;
const FFMPEG_CORRUPT = /corrupt (input packet|decoded frame) in stream (\d+)$/;

/**
 * "[h264 @ 0x55d…] concealing 236 DC, 236 AC, 236 MV errors in P frame" → "h264: concealing …". Lines that
 * name a stream count only when it is `videoStream` (the input's video stream index, as ffprobe numbers it).
 */
export function parseDecoderComplaint(line: string, videoStream: number): string | undefined {
  const text = line.trim();
  const logged = LOGGED.exec(text);
  if (logged?.[1] && logged[2]) {
    const [, source, message] = logged;
    if (VIDEO_DECODERS.test(source))
      return DECODER_COMPLAINT.test(message) ? `${source}: ${message}` : undefined;
    const corrupt = DEMUXER_CORRUPT.exec(message);
    return corrupt && Number(corrupt[1]) === videoStream ? `${source}: ${message}` : undefined;
  }
  const failed = FFMPEG_DECODE_FAILED.exec(text);
  if (failed && Number(failed[1]) === videoStream) return `decode: ${failed[2]}`;
  const corrupt = FFMPEG_CORRUPT.exec(text);
  if (corrupt && Number(corrupt[2]) === videoStream) return `decode: corrupt ${corrupt[1]}`;
  return undefined;
}

/**
 * ffmpeg prints this once it has probed the input, just before it decodes. Complaints before it come from the
 * probe, which reads (and may decode) packets ahead, seconds into the file, and are repeated when those packets
 * are decoded for real (seen with 5.1: the demuxer's `Packet corrupt` for packets at 4.5 s, printed at frame 0).
 */
const DECODING_STARTS = /^Stream mapping:/;

/** Reads an ffmpeg's stderr line by line for the complaints about one video stream, from the decode on. */
export class DecoderComplaints {
  #decoding = false;

  constructor(private readonly videoStream: number) {}

  /** The complaint in `line`, once decoding has started; undefined for anything else. */
  read(line: string): string | undefined {
    if (!this.#decoding) {
      this.#decoding = DECODING_STARTS.test(line.trim());
      return undefined;
    }
    return parseDecoderComplaint(line, this.videoStream);
  }
}
