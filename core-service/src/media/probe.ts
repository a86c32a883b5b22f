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
import { FIRST_PACKETS, withStreamStarts } from "./stream-starts.ts";
import { MAX_TIMESTAMP_JUMP_SECONDS } from "./timeline-guard.ts";

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
  /** Bits per luma sample: 8 for most delivery video, 10 for HEVC Main10, ProRes and DNxHR HQX. */
  readonly bitDepth: number;
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
  /**
   * Seconds, as the source declares it (see `plausibleDuration`); undefined for live, unknown or unbelievable.
   * A hint for budgets and progress: the report's duration is what was decoded.
   */
  readonly duration: number | undefined;
  readonly video: VideoStreamInfo | undefined;
  /** The first audio track (the programme's, as a rule); the live engine watches this one. */
  readonly audio: AudioStreamInfo | undefined;
  /**
   * Every audio stream, in stream order (broadcast files carry 4–16, often one mono track per channel): the file
   * analysis runs the audio detectors on each. The first is `audio`.
   */
  readonly audioTracks: readonly AudioStreamInfo[];
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

/**
 * Lets ffmpeg open the input and reads the streams from its summary, and where each starts from a listing of
 * its first packets (stream-starts.ts).
 */
async function probeWithFfmpeg(
  source: ResolvedSource,
  decoderOptions: readonly string[],
  signal: AbortSignal | undefined,
  timeoutSeconds: number,
): Promise<MediaInfo> {
  const child = spawnFfmpeg([
    ...decoderOptions,
    ...source.inputOptions,
    ...FIRST_PACKETS.input,
    "-i",
    source.input,
    ...FIRST_PACKETS.output,
  ]);
  const outcome = await collectChild(child, { signal, timeoutSeconds, what: `probing ${source.original}` });
  const media = parseInputSummary(outcome.stderr);
  if (media) return withStreamStarts(media, outcome.stdout, outcome.stderr);
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
  const audioStreams = data.streams.filter(
    (s) => s.codec_type === "audio" && (s.channels ?? 0) > 0 && s.index !== undefined,
  );
  const audioStream = audioStreams[0];
  if (!videoStream && !audioStream)
    throw new UnsupportedMediaError(`${name}: no audio or video stream found`);
  const video = videoStream && toVideoInfo(videoStream, timelineStart);
  const audioTracks = audioStreams.map((stream) => toAudioInfo(stream, timelineStart));
  const streamsEnd = Math.max(
    streamEnd(videoStream, video),
    ...audioStreams.map((stream, i) => streamEnd(stream, audioTracks[i])),
  );
  return {
    formatName,
    duration: plausibleDuration(data.format?.duration, data.format?.bit_rate, streamsEnd),
    video,
    audio: audioTracks[0],
    audioTracks,
  };
}

/** Seconds from the timeline's start to a stream's last frame's end; 0 when ffprobe does not know. */
function streamEnd(stream: FfprobeStream | undefined, info: { offset: number } | undefined): number {
  return stream?.duration === undefined || !info ? 0 : info.offset + stream.duration;
}

/**
 * Real media carries at least this many bits a second: a declared duration whose average bit rate is lower (a
 * 270 KB file claiming 16 h: 36 bit/s) comes from a wild timestamp. The leanest codecs in use need
 * several kbit/s (AMR-NB 4.75, Opus 6).
 */
const MIN_PLAUSIBLE_BITS_PER_SECOND = 1000;

/**
 * The declared duration when it can be believed, else undefined. A container's duration is the span of its
 * streams' timestamps, so one wild timestamp (a damaged PES header in MPEG-TS) makes a 3 s file declare hours;
 * believed, it would refuse the file as over the media-duration cap. Not believed: an average bit rate too low
 * for real media, or a span that outlasts the analysed streams' own ends (offset + duration, when ffprobe knows
 * them) by more than a timestamp may jump; then their end is the duration.
 */
export function plausibleDuration(
  declared: number | undefined,
  bitsPerSecond: number | undefined,
  streamsEnd = 0,
): number | undefined {
  if (declared === undefined || !(declared > 0)) return undefined;
  if (bitsPerSecond !== undefined && bitsPerSecond < MIN_PLAUSIBLE_BITS_PER_SECOND) return undefined;
  if (streamsEnd > 0 && declared > streamsEnd + MAX_TIMESTAMP_JUMP_SECONDS) return streamsEnd;
  return declared;
}

/**
 * Seconds from the timeline's start to a stream's first frame. A stream that starts later than a timestamp may
 * jump is taken to start with the timeline: its first timestamp is wild (the decoder's timeline guard puts that
 * frame where this says).
 */
function streamOffset(stream: FfprobeStream, timelineStart: number): number {
  const offset = Math.max(0, (stream.start_time ?? timelineStart) - timelineStart);
  return offset > MAX_TIMESTAMP_JUMP_SECONDS ? 0 : offset;
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
    offset: streamOffset(stream, timelineStart),
    range: stream.color_range === "pc" || /^yuvj/.test(stream.pix_fmt ?? "") ? "full" : "limited",
    bitDepth: bitDepthOf(stream.pix_fmt),
  };
}

function toAudioInfo(stream: FfprobeStream, timelineStart: number): AudioStreamInfo {
  return {
    index: stream.index ?? 0,
    codec: stream.codec_name ?? "unknown",
    sampleRate: stream.sample_rate || 48000,
    channels: stream.channels ?? 2,
    channelLayout: stream.channel_layout ?? "",
    offset: streamOffset(stream, timelineStart),
  };
}

/** Bits per sample from a pixel format's name: "yuv422p10le" → 10, "p010le" → 10, "yuv420p" → 8. */
export function bitDepthOf(pixelFormat: string | undefined): number {
  const bits = /(?:p|gray|^p0)(\d{1,2})(?:le|be)$/.exec(pixelFormat ?? "")?.[1];
  return bits ? Number(bits) : 8;
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
