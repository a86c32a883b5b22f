/**
 * The ffmpeg command line of a file decode: one input, one filter graph, one output per consumer.
 * - analysis video: luma of every k-th frame, area-averaged to a small size → stdout;
 * - native video: luma at the decoded size, every k-th frame → fd 3;
 * - audio: float PCM at the native rate and channel count → fd 4;
 * - frame markers: one framecrc line per frame on stderr, in order with the decoder's complaints (see below).
 */
import { UnsupportedMediaError } from "../domain/errors.ts";
import { analysisLumaFilter, nativeLumaFilter } from "./luma-filters.ts";
import type { MediaInfo } from "./probe.ts";
import type { ResolvedSource } from "./source.ts";

export interface DecodePlan {
  /** Size of the downscaled frames for whole-picture detectors; undefined = not needed. */
  readonly analysisSize?: { readonly width: number; readonly height: number };
  /** Downscaled frames per second wanted (approximate, never more than the source has); undefined = every frame. */
  readonly analysisFramesPerSecond?: number;
  /** Native-resolution frames per second wanted (approximate); undefined = not needed. */
  readonly nativeFramesPerSecond?: number;
  readonly audio: boolean;
  /** ffmpeg decoder threads; 0 = ffmpeg decides. */
  readonly threads?: number;
}

export const DECODE_PIPES = { analysis: 1, markers: 2, native: 3, audio: 4 } as const;

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

export function buildDecodeArgs(source: ResolvedSource, media: MediaInfo, plan: DecodePlan): string[] {
  const graph: string[] = [];
  const outputs: string[] = [];
  const video = media.video;
  if (video && (plan.analysisSize || plan.nativeFramesPerSecond)) {
    const branches = ["[markers]"];
    if (plan.analysisSize) {
      const step = frameStep(video.fps, plan.analysisFramesPerSecond);
      branches.push("[va]");
      graph.push(`[va]${everyNth(step)}${analysisLumaFilter(plan.analysisSize)}[analysis]`);
      outputs.push(...rawLuma("[analysis]", DECODE_PIPES.analysis));
    }
    if (plan.nativeFramesPerSecond) {
      const step = frameStep(video.fps, plan.nativeFramesPerSecond);
      branches.push("[vn]");
      graph.push(`[vn]${everyNth(step)}${nativeLumaFilter()}[native]`);
      outputs.push(...rawLuma("[native]", DECODE_PIPES.native));
    }
    graph.unshift(
      `[0:${video.index}]fps=fps=${video.fpsRational},split=${branches.length}${branches.join("")}`,
    );
    outputs.push(
      ...["-map", "[markers]", "-c:v", "wrapped_avframe", "-f", "framecrc", "-flush_packets", "1"],
      `pipe:${DECODE_PIPES.markers}`,
    );
  }
  if (media.audio && plan.audio) {
    // first_pts=0 pads the start with silence when audio begins after the timeline start, and async fills
    // timestamp gaps, so a sample's index always gives its media time.
    graph.push(`[0:${media.audio.index}]aresample=async=1:first_pts=0,aformat=sample_fmts=flt[audio]`);
    outputs.push("-map", "[audio]", "-f", "f32le", "-c:a", "pcm_f32le", `pipe:${DECODE_PIPES.audio}`);
  }
  if (outputs.length === 0) throw new UnsupportedMediaError(`${source.original}: nothing to analyse in it`);
  return [
    "-loglevel",
    "info",
    "-nostats",
    "-noautorotate",
    "-threads",
    String(plan.threads ?? 0),
    ...source.inputOptions,
    "-i",
    source.input,
    "-filter_complex_threads",
    "1",
    "-filter_complex",
    graph.join(";"),
    "-vsync",
    "0",
    ...outputs,
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
