/**
 * What an ffmpeg or ffprobe binary says about itself, read from its own listings: the banner every command
 * prints (version, copyright year, library versions), `-protocols`, `-demuxers`, `-decoders` and `-filters`.
 * Pure text parsing, no I/O (ffmpeg-detection.ts runs the binaries). The layouts parsed here are the same from
 * FFmpeg 4.x to 7.x; a line that does not fit is skipped rather than guessed at.
 */

export interface FfmpegVersion {
  /** As the banner gives it: "5.1.9-0+deb12u1", or a snapshot's "N-47683-g0e8eb07980-static". */
  readonly text: string;
  /** The release series (4 for 4.x), from libavformat's major version, which snapshots carry too. */
  readonly major?: number | undefined;
  readonly libavformat?: string | undefined;
  /** The last year of the banner's copyright line: the year the build's sources are from. */
  readonly year?: number | undefined;
}

export interface DecoderEntry {
  readonly name: string;
  /** The codec it decodes ("av1" for libdav1d): the same as ffprobe's `codec_name`. */
  readonly codec: string;
}

export interface FfmpegCapabilities {
  /** Input protocols (`file`, `https`, `srt`, …). */
  readonly protocols: readonly string[];
  /** Demuxer names, one per alias (`hls`, `mov`, `mp4`, `matroska`, `webm`, …). */
  readonly demuxers: readonly string[];
  readonly decoders: readonly DecoderEntry[];
  readonly filters: readonly string[];
}

/**
 * libavformat's major version has been the FFmpeg release's plus 54 since FFmpeg 2.x (56 → 2.x, 58 → 4.x,
 * 59 → 5.x, 61 → 7.x): the only release number a git snapshot such as the bundled "N-47683" build carries.
 */
const LIBAVFORMAT_TO_RELEASE = 54;

/** Reads the banner (`ffmpeg version …`, copyright, `libavformat 58. 24.100`); undefined when it is not one. */
export function parseBanner(text: string): FfmpegVersion | undefined {
  const version = /^\s*ff(?:mpeg|probe) version (\S+)/m.exec(text)?.[1];
  if (!version) return undefined;
  const lavf = /^\s*libavformat\s+(\d+)\.\s*(\d+)\.\s*(\d+)/m.exec(text);
  const year = /Copyright \(c\) \d{4}-(\d{4})/.exec(text)?.[1];
  return {
    text: version,
    major: lavf ? Number(lavf[1]) - LIBAVFORMAT_TO_RELEASE : undefined,
    libavformat: lavf ? `${lavf[1]}.${lavf[2]}.${lavf[3]}` : undefined,
    year: year ? Number(year) : undefined,
  };
}

/** "FFmpeg 5.1.9-0+deb12u1 (2026)", or for a snapshot "FFmpeg 4.x snapshot N-47683-g0e8eb07980-static (2018)". */
export function describeVersion(version: FfmpegVersion): string {
  const year = version.year ? ` (${version.year})` : "";
  if (/^n?\d+\.\d+/.test(version.text)) return `FFmpeg ${version.text.replace(/^n/, "")}${year}`;
  const series = version.major === undefined ? "" : ` ${version.major}.x`;
  return `FFmpeg${series} snapshot ${version.text}${year}`;
}

/** `-protocols`: the names listed under "Input:", up to "Output:". */
export function parseProtocols(text: string): string[] {
  const lines = text.split("\n").map((line) => line.trim());
  const start = lines.indexOf("Input:");
  if (start < 0) return [];
  const end = lines.indexOf("Output:", start);
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((line) => /^[\w-]+$/.test(line));
}

/** `-demuxers`: " D  mov,mp4,m4a,3gp,3g2,mj2 QuickTime / MOV" → mov, mp4, m4a, …, after the "--" rule. */
export function parseDemuxers(text: string): string[] {
  return entriesAfterRule(text, /^-+$/).flatMap((line) => {
    const match = /^\s*D[E.\s]?d?\s+([\w,-]+)(?:\s|$)/.exec(line);
    return match?.[1] ? match[1].split(",").filter(Boolean) : [];
  });
}

/** `-decoders`: " V....D libdav1d   dav1d AV1 decoder by VideoLAN (codec av1)", after the "------" rule. */
export function parseDecoders(text: string): DecoderEntry[] {
  return entriesAfterRule(text, /^-+$/).flatMap((line) => {
    const match = /^\s*[A-Z.]{6}\s+(\S+)\s*(.*)$/.exec(line);
    if (!match?.[1]) return [];
    const codec = /\(codec (\S+)\)\s*$/.exec(match[2] ?? "")?.[1] ?? match[1];
    return [{ name: match[1], codec }];
  });
}

/** `-filters`: " T.C blackdetect   V->V   Detect video intervals …"; the legend lines have no arrow. */
export function parseFilters(text: string): string[] {
  return text.split("\n").flatMap((line) => {
    const match = /^\s*[T.][S.][C.]\s+(\S+)\s+\S*->\S*\s/.exec(line);
    return match?.[1] ? [match[1]] : [];
  });
}

/**
 * Decoders that need hardware: listed, but they decode nothing on a machine without it. FFmpeg's own `av1`
 * decoder is one of them (it only drives hardware acceleration); software AV1 is libdav1d or libaom-av1.
 */
const HARDWARE_ONLY = /_(qsv|cuvid|v4l2m2m|mediacodec|mmal|rkmpp|vaapi|vdpau|videotoolbox|amf|nvdec)$/;

/** Whether any software decoder of the binary decodes `codec` (ffprobe's `codec_name`). */
export function decodes(capabilities: Pick<FfmpegCapabilities, "decoders">, codec: string): boolean {
  return softwareDecoders(capabilities, codec).length > 0;
}

export function softwareDecoders(
  capabilities: Pick<FfmpegCapabilities, "decoders">,
  codec: string,
): string[] {
  return capabilities.decoders
    .filter((d) => d.codec === codec && !HARDWARE_ONLY.test(d.name) && !(d.name === "av1" && codec === "av1"))
    .map((d) => d.name);
}

function entriesAfterRule(text: string, rule: RegExp): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => rule.test(line.trim()));
  return start < 0 ? [] : lines.slice(start + 1);
}
