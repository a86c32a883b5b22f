/**
 * The ffmpeg command that follows a live source. Compared with the file decoder it:
 * - keeps the stream's own timestamps (`-copyts`, `-vsync passthrough`, no fps filter, no audio gap filling),
 *   so stalls, losses and jumps stay visible;
 * - sends each output's timestamps down a side pipe as `framecrc` lines (one per frame, in output order; the
 *   checksum of a 320 px picture costs next to nothing), paired in order with the raw data pipes;
 * - reads with as little buffering as ffmpeg allows, so a frame reaches the detectors soon after the origin
 *   publishes it;
 * - when captions are wanted, names the pictures that carry caption data on stderr (caption-markers.ts), one
 *   line each as the picture leaves the graph.
 * Evidence pictures are the same JPEG branch as the file decoder's (media/evidence-pictures.ts), timed by pts.
 * The economy profile (plan.economy) decodes keyframes only and adds a stream copy of the video; the full
 * decoder of an escalation (buildEconomyDecoderArgs) makes the same picture outputs from that copy.
 * The stream clocks (plan.clocks, for A/V drift) are framecrc lines of stream-copied packets, one output per
 * kind: written as each packet is read, before any decoding (clockOutputs).
 */
import { DEFAULT_ANALYSIS_LIMITS } from "../domain/limits.ts";
import { CAPTION_FILTER, captionMarkerOutput } from "../media/caption-markers.ts";
import { evidencePictureFilter, evidencePictureOutput } from "../media/evidence-pictures.ts";
import { analysisLumaFilter, nativeLumaFilter } from "../media/luma-filters.ts";
import type { MediaInfo, VideoStreamInfo } from "../media/probe.ts";
import { isHlsUrl, type ResolvedSource } from "../media/source.ts";
import type { MediaKind } from "./timeline.ts";

/** The pipes of one live ffmpeg: data on the left, its timestamps on the right. */
export const LIVE_PIPES = {
  analysis: { data: 1, times: 5 },
  native: { data: 3, times: 6 },
  audio: { data: 4, times: 7 },
  pictures: { data: 8, times: 9 },
  /** Economy only: the video packets, stream-copied as MPEG-TS, and their framecrc lines. */
  videoCopy: { data: 10, times: 11 },
  /** The stream clocks: framecrc lines of each kind's packets as they are read (clockOutputs). */
  clocks: { video: 12, audio: 13 },
} as const;

export interface LivePlan {
  readonly analysisSize?: { readonly width: number; readonly height: number };
  /** Native-resolution pictures per second for block corruption; undefined = none. */
  readonly nativeFramesPerSecond?: number;
  readonly audio: boolean;
  /** Small colour pictures for evidence; undefined = none. */
  readonly evidencePictures?: {
    readonly width: number;
    readonly height: number;
    readonly perSecond: number;
  };
  /** Seconds without a byte before ffmpeg gives up on a read. */
  readonly readTimeout: number;
  /** The decoder refuses pictures larger than this (`-max_pixels`); default the default decode budget. */
  readonly maxPixels?: number;
  /** Say on stderr which pictures carry closed-caption data (caption-markers.ts). */
  readonly captions?: boolean;
  /** The economy profile: keyframes only, plus the copied video packets (videoCopyOutputs). */
  readonly economy?: boolean;
  /** How far the connection reads to learn its streams (as far as its probe had to); default short. */
  readonly probeWindow?: ProbeWindow;
  /** Time each kind's packets as they are read, for the A/V drift of the stream clocks (clockOutputs). */
  readonly clocks?: boolean;
}

/**
 * How much of the stream ffmpeg reads to learn its streams. Short keeps start-up (and every reconnect) quick;
 * live streams repeat their headers anyway. Long is for a probe that missed a stream's parameters: joined between
 * keyframes, H.264 and HEVC give their picture size only with the next one, up to a GOP later (5 s covers the
 * GOPs of broadcast and OTT delivery), and the connection after such a probe reads as far.
 */
export type ProbeWindow = "short" | "long";
const PROBE_WINDOWS: Record<ProbeWindow, { bytes: string; microseconds: string }> = {
  short: { bytes: "500000", microseconds: "1000000" },
  long: { bytes: "5000000", microseconds: "5000000" },
};

/** Seconds of stream a connection may read before its first output, learning its streams. */
export function probeWindowSeconds(window: ProbeWindow = "short"): number {
  return Number(PROBE_WINDOWS[window].microseconds) / 1_000_000;
}

/**
 * The input options of the probe and of every connection. `-max_pixels` keeps the decoder from allocating
 * pictures over the decode budget, the probe's few included (one 8192×8192 picture: 2.5 s and 300 MB).
 */
export function liveInputOptions(
  source: ResolvedSource,
  readTimeout: number,
  maxPixels = DEFAULT_ANALYSIS_LIMITS.maxPixels,
  probeWindow: ProbeWindow = "short",
): string[] {
  const window = PROBE_WINDOWS[probeWindow];
  const scheme = new URL(source.input).protocol;
  const options = [
    ...["-max_pixels", String(maxPixels)],
    ...source.inputOptions,
    "-rw_timeout",
    String(Math.round(readTimeout * 1_000_000)),
    "-fflags",
    "nobuffer",
    "-probesize",
    window.bytes,
    "-analyzeduration",
    window.microseconds,
  ];
  if (isHls(source)) {
    // Start at the newest segment: older ones only add delay. (Options of a demuxer the input does not use
    // are rejected, so this is added for playlists only.)
    options.push("-live_start_index", "-1");
  } else if (scheme === "http:" || scheme === "https:") {
    // A progressive HTTP stream (MPEG-TS over HTTP) can resume a dropped connection inside ffmpeg.
    options.push("-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_delay_max", "2");
  } else if (scheme === "udp:") {
    // A slow reader must lose packets (seen as corruption or jumps), not stop the socket.
    options.push("-overrun_nonfatal", "1", "-fifo_size", "50000");
  }
  return options;
}

export function isHls(source: ResolvedSource): boolean {
  return isHlsUrl(source.input);
}

export function buildLiveArgs(source: ResolvedSource, media: MediaInfo, plan: LivePlan): string[] {
  const video = media.video;
  const { graph, outputs } = video ? videoOutputs(video, plan) : { graph: [], outputs: [] };
  if (media.audio && plan.audio) {
    // A fixed rate and sample format keep the PCM readable should the stream change them.
    const pcm = `aresample=${media.audio.sampleRate},aformat=sample_fmts=flt`;
    // Economy: each audio output gets its own simple graph. In one complex graph with the video, ffmpeg 5.1
    // holds the audio back until the video side has a frame, which under `-skip_frame nokey` is once a
    // keyframe: sound would arrive in GOP-sized bursts (and be taken for audio loss).
    let maps: { data: string[]; times: string[] };
    if (plan.economy) {
      const own = ["-map", `0:${media.audio.index}`, "-af", pcm];
      maps = { data: own, times: own };
    } else {
      graph.push(`[0:${media.audio.index}]${pcm},asplit=2[audio][audio_t]`);
      maps = { data: ["-map", "[audio]"], times: ["-map", "[audio_t]"] };
    }
    outputs.push(
      ...[...maps.data, "-c:a", "pcm_f32le", "-f", "f32le", ...flush(), pipe(LIVE_PIPES.audio.data)],
      ...[...maps.times, "-c:a", "pcm_f32le", "-enc_time_base", "-1", "-f", "framecrc"],
      ...flush(),
      pipe(LIVE_PIPES.audio.times),
    );
  }
  if (video && plan.economy) outputs.push(...videoCopyOutputs(video));
  if (video && media.audio)
    outputs.push(...clockOutputs(plan, { video: video.index, audio: media.audio.index }));
  return [
    "-loglevel",
    "info",
    "-nostats",
    "-noautorotate",
    "-copyts",
    ...liveInputOptions(source, plan.readTimeout, plan.maxPixels, plan.probeWindow),
    // One decoder thread per stream: frame threads each hold a frame back (latency) and a task follows many
    // streams, so parallelism comes from the streams, not from within one.
    "-threads",
    "1",
    // Economy: the video decoder decodes keyframes only (HEVC: every IRAP picture, CRA included); stream copy
    // is not decoded, so the copied packets are all there.
    ...(plan.economy && video ? ["-skip_frame:v", "nokey"] : []),
    "-i",
    source.input,
    "-filter_complex_threads",
    "1",
    "-filter_complex",
    graph.join(";"),
    ...outputs,
  ];
}

/**
 * The full decoder of an escalated economy stream: reads the connection's copied MPEG-TS (video only) on
 * stdin and makes the same picture outputs as a connection, on the same pipe numbers.
 */
export function buildEconomyDecoderArgs(video: VideoStreamInfo, plan: LivePlan): string[] {
  // The copy holds the video alone, as stream 0; captions stay with the connection (it sees every keyframe's).
  const { graph, outputs } = videoOutputs({ ...video, index: 0 }, { ...plan, captions: false });
  return [
    ...["-loglevel", "info", "-nostats", "-noautorotate", "-copyts"],
    ...["-max_pixels", String(plan.maxPixels ?? DEFAULT_ANALYSIS_LIMITS.maxPixels)],
    // No `-fflags nobuffer` here: it drops the packets read while probing, and those are the replayed GOPs.
    ...["-probesize", PROBE_WINDOWS.short.bytes, "-analyzeduration", PROBE_WINDOWS.short.microseconds],
    ...["-threads", "1", "-f", "mpegts", "-i", "pipe:0"],
    ...["-filter_complex_threads", "1", "-filter_complex", graph.join(";")],
    ...outputs,
  ];
}

/** Codecs that the economy profile's MPEG-TS copy can carry (and ffmpeg's TS demuxer reads back). */
export const ECONOMY_CODECS: ReadonlySet<string> = new Set(["h264", "hevc", "mpeg2video", "mpeg1video"]);

/** The analysis, native and evidence picture outputs of one video stream, shared by connections and decoders. */
function videoOutputs(video: VideoStreamInfo, plan: LivePlan): { graph: string[]; outputs: string[] } {
  const graph: string[] = [];
  const outputs: string[] = [];
  const branches: string[] = [];
  if (plan.analysisSize) branches.push("[va]");
  if (plan.nativeFramesPerSecond) branches.push("[vn]");
  if (plan.evidencePictures) branches.push("[vp]");
  if (plan.captions) branches.push("[vc]");
  if (branches.length === 0) return { graph, outputs };
  const fanOut = branches.length > 1 ? `split=${branches.length}${branches.join("")}` : `null${branches[0]}`;
  graph.push(`[0:${video.index}]${fanOut}`);
  if (plan.analysisSize) {
    graph.push(`[va]${analysisLumaFilter(video, plan.analysisSize)},split=2[analysis][analysis_t]`);
    outputs.push(...rawOutput("[analysis]", "analysis"), ...timesOutput("[analysis_t]", "analysis"));
  }
  if (plan.nativeFramesPerSecond) {
    graph.push(
      `[vn]${everyStreamSeconds(1 / plan.nativeFramesPerSecond)},${nativeLumaFilter(video, video)},split=2[native][native_t]`,
    );
    outputs.push(...rawOutput("[native]", "native"), ...timesOutput("[native_t]", "native"));
  }
  if (plan.evidencePictures) {
    const { perSecond, ...size } = plan.evidencePictures;
    graph.push(`[vp]${everyStreamSeconds(1 / perSecond)},${evidencePictureFilter(size)}[pictures]`);
    outputs.push(
      ...evidencePictureOutput(
        "[pictures]",
        { dataFd: LIVE_PIPES.pictures.data, timesFd: LIVE_PIPES.pictures.times },
        ["-vsync", "passthrough", "-enc_time_base", "-1"],
      ),
    );
  }
  if (plan.captions) {
    graph.push(`[vc]${CAPTION_FILTER}[captions]`);
    outputs.push(...captionMarkerOutput("[captions]", STDERR_FD, ["-vsync", "passthrough"]));
  }
  return { graph, outputs };
}

/** Caption markers go to stderr, with ffmpeg's messages (caption-markers.ts). */
const STDERR_FD = 2;

/**
 * Economy: the video packets stream-copied as MPEG-TS (original PTS kept: `-mpegts_copyts`) for the full
 * decoder of an escalation, and their framecrc (dts, pts, duration, size, `F=0x0` on non-key packets: the same
 * on ffmpeg 4.1 and 5.1) for the video timeline, the bitrate and the keyframes, one line per packet.
 */
function videoCopyOutputs(video: VideoStreamInfo): string[] {
  const map = ["-map", `0:${video.index}`, "-c:v", "copy"];
  return [
    ...[...map, "-f", "mpegts", "-mpegts_copyts", "1", ...flush(), pipe(LIVE_PIPES.videoCopy.data)],
    ...[...map, "-f", "framecrc", ...flush(), pipe(LIVE_PIPES.videoCopy.times)],
  ];
}

/**
 * The stream clocks: each kind's packets stream-copied to framecrc (pts, duration, size) on a pipe of its own,
 * flushed per packet. A copied packet is written as soon as ffmpeg reads it, so the time it reaches Node is
 * when it arrived plus a pipe, the same for both kinds. Decoded frames are no clock: under load a picture
 * leaves the decoder later than the sound read with it (seen: A/V drift alarms on healthy streams on a busy
 * machine). One output per kind, not both in one: a muxer holds each packet until the other stream has caught
 * up, so an audio loss would hold the video lines back by up to ten seconds.
 */
function clockOutputs(plan: LivePlan, indexes: Record<MediaKind, number>): string[] {
  return clockKinds(plan).flatMap((kind) => {
    const codec = kind === "video" ? "-c:v" : "-c:a";
    const map = ["-map", `0:${indexes[kind]}`, codec, "copy"];
    return [...map, "-f", "framecrc", ...flush(), pipe(LIVE_PIPES.clocks[kind])];
  });
}

/**
 * The kinds that get a clock output of their own (LIVE_PIPES.clocks). Economy already copies the video with its
 * framecrc lines (videoCopyOutputs): those are its video clock.
 */
export function clockKinds(plan: LivePlan): readonly MediaKind[] {
  if (!plan.clocks) return [];
  return plan.economy ? ["audio"] : ["video", "audio"];
}

/** Picks frames by their own timestamps, so gaps and jumps (even backwards) never stop the sampling. */
function everyStreamSeconds(step: number): string {
  return `select='isnan(prev_selected_t)+gte(abs(t-prev_selected_t)\\,${step})'`;
}

function rawOutput(label: string, kind: "analysis" | "native"): string[] {
  return [
    "-map",
    label,
    "-vsync",
    "passthrough",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "gray",
    ...flush(),
    pipe(LIVE_PIPES[kind].data),
  ];
}

function timesOutput(label: string, kind: "analysis" | "native"): string[] {
  // -enc_time_base -1 keeps the filter's (i.e. the stream's) time base instead of 1/frame-rate.
  return [
    "-map",
    label,
    "-vsync",
    "passthrough",
    "-c:v",
    "rawvideo",
    "-pix_fmt",
    "gray",
    "-enc_time_base",
    "-1",
    "-f",
    "framecrc",
    ...flush(),
    pipe(LIVE_PIPES[kind].times),
  ];
}

function flush(): string[] {
  return ["-flush_packets", "1"];
}

function pipe(fd: number): string {
  return `pipe:${fd}`;
}
