/** Reads a source's streams with ffprobe (through fluent-ffmpeg) and keeps what the analysis needs. */
import ffmpeg, { type FfprobeData, type FfprobeStream } from "fluent-ffmpeg";
import { UnsupportedMediaError } from "../domain/errors.ts";
import { classifyFfmpegFailure, ffmpegBinaries, spawnFfmpeg } from "./ffmpeg.ts";
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

const DEFAULT_FPS = "25/1";
const NOT_MEDIA_FORMATS =
  /^(tty|image2|\w+_pipe|lrc|srt|ass|webvtt|subviewer\d?|microdvd|jacosub|sami|realtext|stl|pjs|vplayer|mpl2)$/;

export async function probeSource(source: ResolvedSource): Promise<MediaInfo> {
  try {
    return await probeWithFfprobe(source);
  } catch (error) {
    if (!(error instanceof FfprobeCrashedError)) throw error;
    return probeWithFfmpeg(source);
  }
}

/** ffprobe died on a signal (the packaged builds segfault on MPEG-TS): not the source's fault. */
class FfprobeCrashedError extends Error {}

function probeWithFfprobe(source: ResolvedSource): Promise<MediaInfo> {
  return new Promise((resolve, reject) => {
    ffmpeg(source.input)
      .setFfprobePath(ffmpegBinaries().ffprobe)
      .ffprobe([...source.inputOptions], (err: Error | null, data: FfprobeData) => {
        if (err && /killed with signal/.test(err.message))
          return reject(new FfprobeCrashedError(err.message));
        if (err) return reject(classifyFfmpegFailure(err.message, source.original, 1));
        try {
          resolve(toMediaInfo(data, source.original));
        } catch (error) {
          reject(error);
        }
      });
  });
}

/** Lets ffmpeg open the input with no output and reads the streams from its summary. */
function probeWithFfmpeg(source: ResolvedSource): Promise<MediaInfo> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg([...source.inputOptions, "-i", source.input]);
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.stdout?.resume();
    child.once("error", reject);
    child.once("close", (code) => {
      const media = parseInputSummary(stderr);
      if (media) resolve(media);
      else reject(classifyFfmpegFailure(stderr, source.original, code));
    });
  });
}

export function toMediaInfo(data: FfprobeData, name: string): MediaInfo {
  const formatName = data.format.format_name ?? "unknown";
  // ffmpeg renders text files as video ("tty") and reads single images as one-frame streams: neither is media.
  if (NOT_MEDIA_FORMATS.test(formatName))
    throw new UnsupportedMediaError(`${name}: not a readable audio/video file (it looks like ${formatName})`);
  const timelineStart = finite(data.format.start_time) ?? 0;
  const videoStream = data.streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  const audioStream = data.streams.find((s) => s.codec_type === "audio" && (s.channels ?? 0) > 0);
  if (!videoStream && !audioStream)
    throw new UnsupportedMediaError(`${name}: no audio or video stream found`);
  return {
    formatName,
    duration: finite(data.format.duration),
    video: videoStream && toVideoInfo(videoStream, timelineStart),
    audio: audioStream && toAudioInfo(audioStream, timelineStart),
  };
}

function toVideoInfo(stream: FfprobeStream, timelineStart: number): VideoStreamInfo {
  const fpsRational = validRate(stream.avg_frame_rate) ?? validRate(stream.r_frame_rate) ?? DEFAULT_FPS;
  return {
    index: stream.index,
    codec: stream.codec_name ?? "unknown",
    width: stream.width ?? 0,
    height: stream.height ?? 0,
    fps: rateValue(fpsRational),
    fpsRational,
    offset: Math.max(0, (finite(stream.start_time) ?? timelineStart) - timelineStart),
    range: stream.color_range === "pc" || /^yuvj/.test(stream.pix_fmt ?? "") ? "full" : "limited",
  };
}

function toAudioInfo(stream: FfprobeStream, timelineStart: number): AudioStreamInfo {
  return {
    index: stream.index,
    codec: stream.codec_name ?? "unknown",
    sampleRate: Number(stream.sample_rate) || 48000,
    channels: stream.channels ?? 2,
    channelLayout: stream.channel_layout ?? "",
    offset: Math.max(0, (finite(stream.start_time) ?? timelineStart) - timelineStart),
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

function finite(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}
