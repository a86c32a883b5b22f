/**
 * Reads the streams of an input from ffmpeg's own "Input #0" summary on stderr. Used where ffprobe cannot be:
 * the packaged ffprobe builds crash on MPEG-TS (files, HLS segments, TS over HTTP/UDP), while ffmpeg reads it.
 */
import {
  type AudioStreamInfo,
  bitDepthOf,
  type MediaInfo,
  plausibleDuration,
  type VideoStreamInfo,
} from "./probe.ts";

const STREAM = /Stream #0:(\d+)[^:]*: (Video|Audio): ([\w-]+)([^\n]*)/g;
const CHANNELS_BY_LAYOUT: Record<string, number> = {
  mono: 1,
  stereo: 2,
  "2.1": 3,
  quad: 4,
  "5.0": 5,
  "5.1": 6,
  "7.1": 8,
};

/** The first video stream and every audio stream of ffmpeg's "Input #0" summary; undefined when it has neither. */
export function parseInputSummary(stderr: string): MediaInfo | undefined {
  let video: VideoStreamInfo | undefined;
  const audioTracks: AudioStreamInfo[] = [];
  for (const match of inputSection(stderr).matchAll(STREAM)) {
    const [, index, type, codec, details] = match;
    if (index === undefined || codec === undefined || details === undefined) continue;
    if (type === "Video" && !video) video = videoInfo(Number(index), codec, details);
    const audio = type === "Audio" ? audioInfo(Number(index), codec, details) : undefined;
    if (audio) audioTracks.push(audio);
  }
  const audio = audioTracks[0];
  if (!video && !audio) return undefined;
  const format = /Input #0, ([^\s,]+)/.exec(stderr)?.[1] ?? "unknown";
  const kilobits = /Duration: [^\n]*, bitrate: (\d+) kb\/s/.exec(stderr)?.[1];
  const bitsPerSecond = kilobits === undefined ? undefined : Number(kilobits) * 1000;
  return {
    formatName: format,
    duration: plausibleDuration(parseDuration(stderr), bitsPerSecond),
    video,
    audio,
    audioTracks,
  };
}

/**
 * The "Input #0" summary alone: an ffmpeg that also writes something (the probe's packet listing) goes on to
 * list its output's streams as "Stream #0:0 …" too, which are no tracks of the input.
 */
function inputSection(stderr: string): string {
  const start = Math.max(0, stderr.indexOf("Input #0"));
  const ends = ["\nOutput #", "\nStream mapping:"]
    .map((marker) => stderr.indexOf(marker, start))
    .filter((at) => at >= 0);
  return stderr.slice(start, ends.length > 0 ? Math.min(...ends) : undefined);
}

function videoInfo(index: number, codec: string, details: string): VideoStreamInfo | undefined {
  const size = /, (\d{2,5})x(\d{2,5})/.exec(details);
  if (!size) return undefined;
  const fps = Number(/, ([\d.]+) fps/.exec(details)?.[1] ?? /, ([\d.]+) tbr/.exec(details)?.[1] ?? 25);
  const full = /\byuvj|\(pc[,)]/.test(details);
  // "…(hev1 / 0x31766568), yuv420p10le(tv, progressive), 320x180 …"
  const pixelFormat = /, ((?:yuv|gray|nv|p0|p2|rgb|bgr|gbr|ya)\w*)/.exec(details)?.[1];
  return {
    index,
    codec,
    width: Number(size[1]),
    height: Number(size[2]),
    fps,
    fpsRational: `${Math.round(fps * 1000)}/1000`,
    offset: 0,
    range: full ? "full" : "limited",
    bitDepth: bitDepthOf(pixelFormat),
  };
}

function audioInfo(index: number, codec: string, details: string): AudioStreamInfo | undefined {
  const rate = /, (\d+) Hz, ([^,]+)/.exec(details);
  if (!rate?.[1] || !rate[2]) return undefined;
  const layout = rate[2].trim();
  const counted = /^(\d+) channels/.exec(layout)?.[1];
  const channels = counted ? Number(counted) : (CHANNELS_BY_LAYOUT[layout.replace(/\(.*\)$/, "")] ?? 2);
  return {
    index,
    codec,
    sampleRate: Number(rate[1]),
    channels,
    channelLayout: counted ? "" : layout,
    offset: 0,
  };
}

/** "Duration: 00:01:02.50, start: …" → 62.5; undefined for "N/A" (live). */
function parseDuration(stderr: string): number | undefined {
  const match = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}
