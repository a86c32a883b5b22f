/**
 * Reads a source's streams with ffprobe and keeps what the analysis needs. ffprobe is spawned here directly
 * (JSON output, through the one schema in ffprobe-output.ts) rather than through fluent-ffmpeg, whose
 * `ffprobe()` spawns a child it gives no handle to: it could be neither stopped nor timed out, and a probe that
 * cannot be stopped holds a job (and `DELETE`, and shutdown) for as long as a slow source likes. It also turned
 * numeric-looking strings into numbers ("5.1" → 5.1).
 */
import { StalledError, UnsupportedMediaError } from "../domain/errors.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../domain/limits.ts";
import { classifyFfmpegFailure, collectChild, spawnFfmpeg, spawnFfprobe } from "./ffmpeg.ts";
import { type FfprobeOutput, type FfprobeStream, parseFfprobeJson } from "./ffprobe-output.ts";
import { parseInputSummary } from "./input-summary.ts";
import type { ResolvedSource } from "./source.ts";

export interface VideoStreamInfo {
  readonly index: number;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** The frame rate as ffmpeg writes it ("30000/1001"), so the decoder's fps filter is exact. */
  readonly fpsRational: string;
  /** Seconds from the start of the media timeline to this stream's first frame. */
  readonly offset: number;
  readonly range: "limited" | "full";
}

export interface AudioStreamInfo {
  readonly index: number;
  readonly codec: string;
  readonly sampleRate: number;
  readonly channels: number;
  readonly channelLayout: string;
  readonly offset: number;
}

export interface MediaInfo {
  readonly formatName: string;
  /** Seconds; undefined for live or unknown. */
  readonly duration: number | undefined;
  readonly video: VideoStreamInfo | undefined;
  readonly audio: AudioStreamInfo | undefined;
}

export interface ProbeOptions {
  /** Stops the probe: ffprobe (or the ffmpeg fallback) is killed and the call rejects with AbortedError. */
  readonly signal?: AbortSignal;
  /** A probe that has not answered after this long is killed and rejects with StalledError. */
  readonly timeoutSeconds?: number;
  /**
   * Pictures larger than this are not decoded while probing (ffprobe and ffmpeg decode a few pictures to learn
   * a stream's format: 350 MB and 2.5 s for one 8192×8192 picture); such a source rejects with
   * LimitReachedError.
   */
  readonly maxPixels?: number;
}

const DEFAULT_FPS = "25/1";
const NOT_MEDIA_FORMATS =
  /^(tty|image2|\w+_pipe|lrc|srt|ass|webvtt|subviewer\d?|microdvd|jacosub|sami|realtext|stl|pjs|vplayer|mpl2)$/;

export async function probeSource(source: ResolvedSource, options: ProbeOptions = {}): Promise<MediaInfo> {
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_ANALYSIS_LIMITS.stallSeconds;
  const started = performance.now();
  const decoderOptions = options.maxPixels === undefined ? [] : ["-max_pixels", String(options.maxPixels)];
  const output = await runFfprobe(source, decoderOptions, options.signal, timeoutSeconds);
  if (output) return mediaInfoFrom(output, source.original);
  // The rest of the time budget goes to the fallback: the probe as a whole never exceeds it.
  const left = Math.max(1, timeoutSeconds - (performance.now() - started) / 1000);
  return probeWithFfmpeg(source, decoderOptions, options.signal, left);
}

/** ffprobe's parsed output, or undefined when ffprobe itself crashed (the packaged builds segfault on MPEG-TS). */
async function runFfprobe(
  source: ResolvedSource,
  decoderOptions: readonly string[],
  signal: AbortSignal | undefined,
  timeoutSeconds: number,
): Promise<FfprobeOutput | undefined> {
  const args = [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    ...decoderOptions,
    ...source.inputOptions,
    "-i",
    source.input,
  ];
  const outcome = await collectChild(spawnFfprobe(args), {
    signal,
    timeoutSeconds,
    what: `probing ${source.original}`,
  });
  if (outcome.crashSignal) return undefined;
  if (outcome.code !== 0) throw classifyFfmpegFailure(outcome.stderr, source.original, outcome.code);
  const parsed = parseFfprobeJson(outcome.stdout);
  if (!parsed) throw new UnsupportedMediaError(`${source.original}: ffprobe gave no readable answer`);
  return parsed;
}

/** Lets ffmpeg open the input with no output and reads the streams from its summary. */
async function probeWithFfmpeg(
  source: ResolvedSource,
  decoderOptions: readonly string[],
  signal: AbortSignal | undefined,
  timeoutSeconds: number,
): Promise<MediaInfo> {
  const child = spawnFfmpeg([...decoderOptions, ...source.inputOptions, "-i", source.input]);
  const outcome = await collectChild(child, { signal, timeoutSeconds, what: `probing ${source.original}` });
  const media = parseInputSummary(outcome.stderr);
  if (media) return media;
  if (outcome.crashSignal)
    throw new StalledError(`${source.original}: ffmpeg crashed (${outcome.crashSignal}) while probing`);
  throw classifyFfmpegFailure(outcome.stderr, source.original, outcome.code);
}

export function mediaInfoFrom(data: FfprobeOutput, name: string): MediaInfo {
  const formatName = data.format?.format_name ?? "unknown";
  // ffmpeg renders text files as video ("tty") and reads single images as one-frame streams: neither is media.
  if (NOT_MEDIA_FORMATS.test(formatName))
    throw new UnsupportedMediaError(`${name}: not a readable audio/video file (it looks like ${formatName})`);
  const timelineStart = data.format?.start_time ?? 0;
  const videoStream = data.streams.find(
    (s) => s.codec_type === "video" && !s.disposition?.attached_pic && s.index !== undefined,
  );
  const audioStream = data.streams.find(
    (s) => s.codec_type === "audio" && (s.channels ?? 0) > 0 && s.index !== undefined,
  );
  if (!videoStream && !audioStream)
    throw new UnsupportedMediaError(`${name}: no audio or video stream found`);
  return {
    formatName,
    duration: data.format?.duration,
    video: videoStream && toVideoInfo(videoStream, timelineStart),
    audio: audioStream && toAudioInfo(audioStream, timelineStart),
  };
}

function toVideoInfo(stream: FfprobeStream, timelineStart: number): VideoStreamInfo {
  const fpsRational = validRate(stream.avg_frame_rate) ?? validRate(stream.r_frame_rate) ?? DEFAULT_FPS;
  return {
    index: stream.index ?? 0,
    codec: stream.codec_name ?? "unknown",
    width: stream.width ?? 0,
    height: stream.height ?? 0,
    fps: rateValue(fpsRational),
    fpsRational,
    offset: Math.max(0, (stream.start_time ?? timelineStart) - timelineStart),
    range: stream.color_range === "pc" || /^yuvj/.test(stream.pix_fmt ?? "") ? "full" : "limited",
  };
}

function toAudioInfo(stream: FfprobeStream, timelineStart: number): AudioStreamInfo {
  return {
    index: stream.index ?? 0,
    codec: stream.codec_name ?? "unknown",
    sampleRate: stream.sample_rate || 48000,
    channels: stream.channels ?? 2,
    channelLayout: stream.channel_layout ?? "",
    offset: Math.max(0, (stream.start_time ?? timelineStart) - timelineStart),
  };
}

/** ffprobe reports "0/0" or absurd rates for some streams; keep 1–240 fps. */
function validRate(rate: string | undefined): string | undefined {
  if (!rate) return undefined;
  const value = rateValue(rate);
  return value >= 1 && value <= 240 ? rate : undefined;
}

function rateValue(rate: string): number {
  const [num, den] = rate.split("/").map(Number);
  return num !== undefined && den ? num / den : Number(num);
}
