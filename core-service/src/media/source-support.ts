/**
 * Refuses, before anything is queued or started, a source the binaries that would read it cannot read (an
 * srt:// stream on an ffmpeg built without libsrt), with a message saying what to install, instead of letting
 * it fail later with an ffmpeg error (or, for a live job, reconnect for ever). Every submission path calls
 * this: `avmon analyze`, the local API, the worker before it opens a source, and the ingest Lambda, which
 * checks against the container's declared capabilities (container-ffmpeg.ts) since it cannot run ffmpeg.
 */
import { InvalidSourceError } from "../domain/errors.ts";
import { describeVersion } from "./ffmpeg-capabilities.ts";
import { type DetectedBinary, type DetectedTools, toolsInUse } from "./ffmpeg-detection.ts";
import { type SourceKind, sourceKind } from "./ffmpeg-requirements.ts";
import { isHlsUrl, type ResolvedSource, resolveSource, type SourceOptions, sourceScheme } from "./source.ts";

/** What one binary can open, as far as the checks need to know. */
export interface ToolSupport {
  /** Names the binary in messages: "ffmpeg /usr/bin/ffmpeg (FFmpeg 5.1.9-0+deb12u1, 2026)". */
  readonly label: string;
  readonly protocols: readonly string[];
  /** Undefined when not known (ffprobe's are not asked: its libraries are ffmpeg's in every sane install). */
  readonly demuxers?: readonly string[];
}

export interface FfmpegSupport {
  readonly ffmpeg: ToolSupport;
  /** File jobs are probed by ffprobe first; live jobs by ffmpeg alone. */
  readonly ffprobe: ToolSupport;
  /** What a user can do about a missing capability. */
  readonly remedy: string;
}

export type FfmpegSupportProvider = () => Promise<FfmpegSupport>;

/** The advice `avmon doctor` and refusals give: Debian's ffmpeg is what avmon's container runs. */
export const INSTALL_ADVICE =
  "Install a current ffmpeg (on Debian or Ubuntu: apt-get install ffmpeg), then set FFMPEG_PATH=/usr/bin/ffmpeg and FFPROBE_PATH=/usr/bin/ffprobe; `avmon doctor` shows what the binaries in use can do.";

export interface SupportedSourceOptions extends SourceOptions {
  /** Whose capabilities count; default the binaries this process runs (FFMPEG_PATH/FFPROBE_PATH or bundled). */
  readonly support?: FfmpegSupportProvider;
}

/**
 * `resolveSource`, after checking that the binaries can read the source's kind. The capability comes first, so
 * an srt:// file job on an ffmpeg without libsrt is told what to install before it is told to be a live job.
 * Local paths are not checked: every ffmpeg build has the `file` protocol, and checking would cost every
 * `avmon analyze clip.mp4` the detection (see ffmpeg-detection.ts).
 */
export async function resolveSupportedSource(
  source: string,
  options: SupportedSourceOptions,
): Promise<ResolvedSource> {
  const kinds = kindsOf(source);
  if (kinds.length > 0) {
    const support = await (options.support ?? supportInUse)();
    for (const kind of kinds) {
      const gap = missingFor(kind, support, options.live ?? false);
      if (gap) throw new InvalidSourceError(`${source.trim()}: ${gap.message} ${support.remedy}`);
    }
  }
  return resolveSource(source, options);
}

export interface CapabilityGap {
  readonly tool: "ffmpeg" | "ffprobe";
  /** "srt protocol", "hls demuxer" */
  readonly lacking: string;
  /** "(it was built without libsrt)", or "" */
  readonly why: string;
  /** "ffmpeg … cannot read srt:// sources: it has no srt protocol (it was built without libsrt)." */
  readonly message: string;
}

/** What keeps the binaries from reading a kind of source, if anything (live jobs are read by ffmpeg alone). */
export function missingFor(
  kind: SourceKind,
  support: FfmpegSupport,
  live: boolean,
): CapabilityGap | undefined {
  const tools = live || kind.liveOnly ? (["ffmpeg"] as const) : (["ffmpeg", "ffprobe"] as const);
  for (const tool of tools) {
    const lacking = lackingFor(kind, support[tool]);
    if (!lacking) continue;
    const what = kind.name === "hls" ? "HLS playlists" : `${kind.name}:// sources`;
    const why = kind.library && lacking.endsWith("protocol") ? `(it was built without ${kind.library})` : "";
    const message = `${support[tool].label} cannot read ${what}: it has no ${lacking}${why && ` ${why}`}.`;
    return { tool, lacking, why, message };
  }
  return undefined;
}

/** The binaries this process runs, as `resolveSupportedSource` sees them (detected once per process). */
export const supportInUse: FfmpegSupportProvider = async () => supportOf(await toolsInUse());

export function supportOf(tools: DetectedTools): FfmpegSupport {
  return {
    ffmpeg: {
      label: binaryLabel("ffmpeg", tools.ffmpeg),
      protocols: tools.ffmpeg.capabilities.protocols,
      demuxers: tools.ffmpeg.capabilities.demuxers,
    },
    ffprobe: { label: binaryLabel("ffprobe", tools.ffprobe), protocols: tools.ffprobe.protocols },
    remedy: INSTALL_ADVICE,
  };
}

export function binaryLabel(tool: string, binary: DetectedBinary): string {
  const origin = binary.origin === "bundled" ? "bundled, " : "";
  return `${tool} ${binary.path} (${origin}${describeVersion(binary.version)})`;
}

/** The kinds a source string is (https + hls for an https playlist); none for a local path or unknown scheme. */
function kindsOf(source: string): SourceKind[] {
  const scheme = sourceScheme(source);
  const kind = scheme ? sourceKind(scheme) : undefined;
  if (!kind) return [];
  const hls = isHlsUrl(source.trim()) ? sourceKind("hls") : undefined;
  return hls ? [kind, hls] : [kind];
}

/** The protocol or demuxer `tool` lacks for `kind`, if any. */
function lackingFor(kind: SourceKind, tool: ToolSupport): string | undefined {
  const protocol = kind.protocols.find((p) => !tool.protocols.includes(p));
  if (protocol) return `${protocol} protocol`;
  const demuxer = tool.demuxers && kind.demuxers.find((d) => !tool.demuxers?.includes(d));
  return demuxer ? `${demuxer} demuxer` : undefined;
}
