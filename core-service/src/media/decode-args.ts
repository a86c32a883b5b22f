/**
 * The ffmpeg command line of a file decode: one input, one filter graph, one output pipe per consumer, and the
 * list of those outputs (which fd carries what), so the decoder reads exactly what this asked for:
 * - analysis video: luma of every k-th frame, area-averaged to a small size;
 * - sync video (for A/V sync): a tiny luma picture of every frame, point-sampled;
 * - native video: luma at the decoded size, every k-th frame;
 * - audio: float PCM at the native rate and channel count;
 * - evidence pictures (when asked for): a few small colour JPEGs a second, with their sizes on a side pipe;
 * - frame markers: one framecrc line per frame on stderr, in order with the decoder's complaints (see below);
 * - keyframe markers (when asked for): one framemd5 line per intra-coded picture, after that frame's marker;
 * - caption markers (when asked for): one line on stderr per picture carrying A/53 closed captions, after that
 *   frame's marker (caption-markers.ts).
 * Outputs get fd 1 (stdout), then 3, 4, … in the order they are added; fd 2 is stderr. A new kind of output
 * (one pipe per audio track, evidence thumbnails) is one more branch of the graph here and one more
 * DecodeOutputSpec, read by an output class in decode-outputs.ts.
 */
import { UnsupportedMediaError } from "../domain/errors.ts";
import { CAPTION_FILTER, captionMarkerOutput, isCaptionMarker } from "./caption-markers.ts";
import { pinnableLayout } from "./channel-layout.ts";
import { evidencePictureFilter, evidencePictureOutput } from "./evidence-pictures.ts";
import { analysisLumaFilter, nativeLumaFilter, syncLumaFilter } from "./luma-filters.ts";
import type { AudioStreamInfo, MediaInfo } from "./probe.ts";
import type { ResolvedSource } from "./source.ts";
import { audioTimelineGuard, videoTimelineGuard } from "./timeline-guard.ts";

export interface DecodePlan {
  /** Size of the downscaled frames for whole-picture detectors; undefined = not needed. */
  readonly analysisSize?: { readonly width: number; readonly height: number };
  /** Downscaled frames per second wanted (approximate, never more than the source has); undefined = every frame. */
  readonly analysisFramesPerSecond?: number;
  /**
   * A tiny luma picture of every frame (A/V sync times a one-frame flash by the picture's mean level). Point
   * sampling reads a few thousand pixels of each picture where area-averaging every picture to the analysis
   * size read all of them (≈0.07× of a decode on the 1080p bench clip, for a mean a sample gives as well).
   */
  readonly syncPictures?: boolean;
  /** Native-resolution frames per second wanted (approximate); undefined = not needed. */
  readonly nativeFramesPerSecond?: number;
  readonly audio: boolean;
  /** Small colour pictures for evidence (pipeline/evidence); undefined = none. */
  readonly evidencePictures?: {
    readonly width: number;
    readonly height: number;
    readonly perSecond: number;
  };
  /** ffmpeg decoder threads; 0 = ffmpeg decides. */
  readonly threads?: number;
  /** The decoder refuses pictures larger than this (`-max_pixels`), even if they grow mid-stream. */
  readonly maxPixels?: number;
  /** Mark intra-coded pictures (keyframes, which repair damage) on stderr. */
  readonly keyframes?: boolean;
  /** Say on stderr which pictures carry closed-caption data (for captions-lost and the report's media summary). */
  readonly captions?: boolean;
}

/** One output pipe of the decode and what it carries. */
export type DecodeOutputSpec =
  | {
      readonly kind: "analysis-video" | "native-video" | "sync-video";
      readonly fd: number;
      readonly width: number;
      readonly height: number;
      /** Every how many source frames one reaches this output. */
      readonly step: number;
    }
  | {
      readonly kind: "audio";
      readonly fd: number;
      readonly stream: AudioStreamInfo;
      /** Which of the media's audio tracks, from 0 (MediaInfo.audioTracks). */
      readonly track: number;
    }
  | {
      readonly kind: "evidence-pictures";
      /** The JPEGs, back to back. */
      readonly fd: number;
      /** One framecrc line per JPEG: its size says where it ends. */
      readonly timesFd: number;
      readonly width: number;
      readonly height: number;
      readonly step: number;
    };

export interface DecodeCommand {
  readonly args: readonly string[];
  /** In fd order. */
  readonly outputs: readonly DecodeOutputSpec[];
}

/** The sync pictures: 2304 samples, a mean level good to a fraction of a code (a flash moves it by ~200). */
const SYNC_PICTURE_SIZE = { width: 64, height: 36 } as const;

/** Frame markers go to stderr, between the decoder's complaints. */
const MARKERS_FD = 2;

/**
 * A decoder complaint is printed on stderr while ffmpeg decodes the picture it concerns. Reading the time off
 * the frames Node has received so far is wrong by however much the pipes and backpressure hold back (seen:
 * 0.8 s). So each frame leaving the graph also prints a framecrc line on the same stderr, flushed at once
 * (wrapped_avframe: nothing is encoded or copied); the count of markers before a complaint is the index of
 * the frame being decoded, give or take the decoder's reorder delay.
 */
const FRAME_MARKER = /^0,\s*-?\d+,\s*-?\d+,\s*\d+,\s*\d+, 0x[0-9a-f]+$/;

export function isFrameMarker(line: string): boolean {
  return FRAME_MARKER.test(line);
}

/**
 * An intra-coded picture (I, a keyframe or VP9/AV1 intra-only frame): the picture that repairs concealed damage.
 * Printed by a second marker output in framemd5's format (an md5, not a 0x crc), so the two cannot be confused,
 * just after that frame's own marker (seen with 4.1 and 5.1): the frame index is the marker count minus one.
 */
const KEYFRAME_MARKER = /^0,\s*-?\d+,\s*-?\d+,\s*\d+,\s*\d+, [0-9a-f]{32}$/;

export function isKeyframeMarker(line: string): boolean {
  return KEYFRAME_MARKER.test(line);
}

/** Lines of ffmpeg's stderr that are our markers, not ffmpeg talking. */
export function isMarker(line: string): boolean {
  return isFrameMarker(line) || isKeyframeMarker(line) || isCaptionMarker(line);
}

export function buildDecodeCommand(
  source: ResolvedSource,
  media: MediaInfo,
  plan: DecodePlan,
): DecodeCommand {
  const graph: string[] = [];
  const outputArgs: string[] = [];
  const outputs: DecodeOutputSpec[] = [];
  let pipes = 0;
  const nextFd = () => (++pipes === 1 ? 1 : pipes + 1);
  const video = media.video;
  const wantsVideo =
    plan.analysisSize ||
    plan.syncPictures ||
    plan.nativeFramesPerSecond ||
    plan.evidencePictures ||
    plan.captions;
  if (video && wantsVideo) {
    const branches = ["[markers]"];
    if (plan.analysisSize) {
      const step = frameStep(video.fps, plan.analysisFramesPerSecond);
      const fd = nextFd();
      branches.push("[va]");
      graph.push(`[va]${everyNth(step)}${analysisLumaFilter(video, plan.analysisSize)}[analysis]`);
      outputArgs.push(...rawLuma("[analysis]", fd));
      outputs.push({ kind: "analysis-video", fd, ...plan.analysisSize, step });
    }
    if (plan.syncPictures) {
      const fd = nextFd();
      branches.push("[vs]");
      graph.push(`[vs]${syncLumaFilter(video, SYNC_PICTURE_SIZE)}[sync]`);
      outputArgs.push(...rawLuma("[sync]", fd));
      outputs.push({ kind: "sync-video", fd, ...SYNC_PICTURE_SIZE, step: 1 });
    }
    if (plan.nativeFramesPerSecond) {
      const step = frameStep(video.fps, plan.nativeFramesPerSecond);
      const fd = nextFd();
      branches.push("[vn]");
      graph.push(`[vn]${everyNth(step)}${nativeLumaFilter(video, video)}[native]`);
      outputArgs.push(...rawLuma("[native]", fd));
      outputs.push({
        kind: "native-video",
        fd,
        width: video.width,
        height: video.height,
        step,
      });
    }
    if (plan.keyframes) {
      branches.push("[vk]");
      graph.push(`[vk]select='eq(pict_type\\,I)'[keyframes]`);
    }
    if (plan.captions) {
      branches.push("[vc]");
      graph.push(`[vc]${CAPTION_FILTER}[captions]`);
    }
    if (plan.evidencePictures) {
      const { perSecond, ...size } = plan.evidencePictures;
      const step = frameStep(video.fps, perSecond);
      const [fd, timesFd] = [nextFd(), nextFd()];
      branches.push("[vp]");
      graph.push(`[vp]${everyNth(step)}${evidencePictureFilter(size)}[pictures]`);
      outputArgs.push(...evidencePictureOutput("[pictures]", { dataFd: fd, timesFd }));
      outputs.push({ kind: "evidence-pictures", fd, timesFd, ...size, step });
    }
    graph.unshift(
      `[0:${video.index}]${videoTimelineGuard(video.offset, video.fps)}fps=fps=${video.fpsRational},split=${branches.length}${branches.join("")}`,
    );
    // The markers are ffmpeg's first outputs: each frame's marker is written before its pictures (see
    // marker-order.ts), and a keyframe's or caption's marker just after it.
    outputArgs.unshift(
      ...markers("[markers]", "framecrc"),
      ...(plan.keyframes ? markers("[keyframes]", "framemd5") : []),
      ...(plan.captions ? captionMarkerOutput("[captions]", MARKERS_FD) : []),
    );
  }
  for (const [track, stream] of plan.audio ? media.audioTracks.entries() : []) {
    const fd = nextFd();
    const label = `[audio${track}]`;
    graph.push(`[0:${stream.index}]${pcmFilter(stream)}${label}`);
    outputArgs.push("-map", label, "-f", "f32le", "-c:a", "pcm_f32le", `pipe:${fd}`);
    outputs.push({ kind: "audio", fd, stream, track });
  }
  if (outputs.length === 0) throw new UnsupportedMediaError(`${source.original}: nothing to analyse in it`);
  const args = [
    "-loglevel",
    "info",
    "-nostats",
    "-noautorotate",
    "-threads",
    String(plan.threads ?? 0),
    ...(plan.maxPixels === undefined ? [] : ["-max_pixels", String(plan.maxPixels)]),
    ...source.inputOptions,
    "-i",
    source.input,
    "-filter_complex_threads",
    "1",
    "-filter_complex",
    graph.join(";"),
    "-vsync",
    "0",
    ...outputArgs,
  ];
  return { args, outputs };
}

/**
 * One audio stream as float PCM at the probed rate and layout. first_pts=0 pads the start with silence when
 * audio begins after the timeline start, and async fills timestamp gaps (up to what the guard lets through), so
 * a sample's index always gives its media time. The rate and the layout are pinned to the probed ones (which
 * the reader counts samples by), so a stream that changes them midway, or since the probe (AC-3 going from 2.0
 * to 5.1 between programmes), is resampled or remixed instead of misaligning the pipe.
 */
function pcmFilter(stream: AudioStreamInfo): string {
  const layout = pinnableLayout(stream.channelLayout, stream.channels);
  const format = `aformat=sample_fmts=flt${layout ? `:channel_layouts=${layout}` : ""}`;
  return `${audioTimelineGuard(stream.offset)}aresample=${stream.sampleRate}:async=1:first_pts=0,${format}`;
}

/** Frames as wrapped_avframe (nothing encoded or copied), one line each on stderr, flushed at once. */
function markers(label: string, format: "framecrc" | "framemd5"): string[] {
  return [
    "-map",
    label,
    "-c:v",
    "wrapped_avframe",
    "-f",
    format,
    "-flush_packets",
    "1",
    `pipe:${MARKERS_FD}`,
  ];
}

function rawLuma(label: string, pipe: number): string[] {
  return ["-map", label, "-f", "rawvideo", "-pix_fmt", "gray", `pipe:${pipe}`];
}

/** A select filter keeping frames 0, step, 2·step…, with its trailing comma; nothing when every frame is kept. */
function everyNth(step: number): string {
  return step > 1 ? `select='not(mod(n\\,${step}))',` : "";
}

/** Every how many source frames one is kept to get about `wantedPerSecond`; every frame when undefined. */
export function frameStep(fps: number, wantedPerSecond: number | undefined): number {
  return wantedPerSecond === undefined ? 1 : Math.max(1, Math.round(fps / wantedPerSecond));
}
