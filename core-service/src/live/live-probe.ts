/**
 * Finds the streams of a live source by letting ffmpeg open it and print its input summary. ffprobe is not
 * used here: the packaged ffprobe build crashes on MPEG-TS (the container of HLS segments, MPEG-TS over
 * HTTP/UDP and SRT), while the ffmpeg that decodes them reads it fine. The probe is killed when the job stops.
 *
 * A probe can see a stream without learning its parameters ("Could not find codec parameters"): joined between
 * keyframes (a reconnection mid-GOP), H.264 and HEVC say their picture size only at the next one. Planned as
 * it stands, such a connection would be blind to the picture for as long as it lasts. A stream the last
 * connection carried is taken as it was then: the same stream, joined again (the scale steps hold every pipe
 * to that size whatever arrives, and ffmpeg's decoder learns the size from the next keyframe). Otherwise (the
 * first connection) the probe is made again with the long window (live-args.ts), which costs its 5 s.
 */
import { AbortedError, UnsupportedMediaError } from "../domain/errors.ts";
import { classifyFfmpegFailure, StderrTail, spawnFfmpeg } from "../media/ffmpeg.ts";
import { parseInputSummary } from "../media/input-summary.ts";
import type { MediaInfo } from "../media/probe.ts";
import type { ResolvedSource } from "../media/source.ts";
import { liveInputOptions, type ProbeWindow } from "./live-args.ts";
import type { MediaKind } from "./timeline.ts";

export interface LiveProbe {
  readonly media: MediaInfo;
  /**
   * Long when the short window missed a stream's parameters (the source is being joined between keyframes):
   * what a connection that must know them before its first packet (a stream copy) should read.
   */
  readonly window: ProbeWindow;
}

export interface LiveProbeOptions {
  readonly maxPixels?: number;
  /** What the last connection to this source found, if any. */
  readonly known?: MediaInfo;
}

export async function probeLive(
  source: ResolvedSource,
  readTimeout: number,
  signal: AbortSignal,
  { maxPixels, known }: LiveProbeOptions = {},
): Promise<LiveProbe> {
  const short = await probeOnce(source, readTimeout, signal, maxPixels, "short");
  if (short.unknown.size === 0 && short.media) return { media: short.media, window: "short" };
  // A reconnection: the streams it could not read are the last connection's (no need to read 5 s more).
  const rejoined = withKnownStreams(short.media, short.unknown, known);
  if (rejoined && [...short.unknown].every((kind) => rejoined[kind]))
    return { media: rejoined, window: "long" };
  const long = await probeOnce(source, readTimeout, signal, maxPixels, "long");
  const media = withKnownStreams(long.media, long.unknown, known);
  if (media) return { media, window: "long" };
  throw long.failure;
}

interface ProbeOutcome {
  readonly media: MediaInfo | undefined;
  /** Kinds of stream the probe named without finding their parameters. */
  readonly unknown: ReadonlySet<MediaKind>;
  readonly failure: Error;
}

/** "Could not find codec parameters for stream 0 (Video: h264 ([27][0][0][0] / 0x001B), none): unspecified size" */
const MISSING_PARAMETERS = /Could not find codec parameters for stream \d+ \((Video|Audio):/g;

function probeOnce(
  source: ResolvedSource,
  readTimeout: number,
  signal: AbortSignal,
  maxPixels: number | undefined,
  window: ProbeWindow,
): Promise<ProbeOutcome> {
  // No output file: ffmpeg opens the input, prints what it found, and exits.
  const input = liveInputOptions(source, readTimeout, maxPixels, window);
  const child = spawnFfmpeg([...input, "-i", source.input], { signal });
  const stderr = new StderrTail();
  child.stderr?.setEncoding("utf8").on("data", (d: string) => stderr.append(d));
  child.stdout?.resume();
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(error));
    child.once("close", (code) => {
      if (signal.aborted) return reject(new AbortedError("live probe was stopped"));
      const text = stderr.toString();
      const media = parseInputSummary(text);
      const unknown = new Set<MediaKind>();
      for (const [, named] of text.matchAll(MISSING_PARAMETERS)) {
        const kind = (named as string).toLowerCase() as MediaKind;
        if (!media?.[kind]) unknown.add(kind);
      }
      const failure = /output file must be specified/i.test(text)
        ? new UnsupportedMediaError(`${source.original}: no audio or video stream`)
        : classifyFfmpegFailure(text, source.original, code);
      // A probe that found nothing at all, nor a stream it could not read, has failed: no second try.
      if (!media && unknown.size === 0) return reject(failure);
      resolve({ media, unknown, failure });
    });
  });
}

/** The probe's streams, with those it named but could not read taken from the last connection's. */
function withKnownStreams(
  media: MediaInfo | undefined,
  unknown: ReadonlySet<MediaKind>,
  known: MediaInfo | undefined,
): MediaInfo | undefined {
  if (!known) return media;
  const video = media?.video ?? (unknown.has("video") ? known.video : undefined);
  const audio = media?.audio ?? (unknown.has("audio") ? known.audio : undefined);
  if (!video && !audio) return undefined;
  const audioTracks = media?.audio ? media.audioTracks : audio ? known.audioTracks : [];
  return { ...(media ?? known), video, audio, audioTracks };
}
