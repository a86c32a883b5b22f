/**
 * The limits of one file analysis that are checked around the decoder: what the probe already says (refused
 * before anything is decoded), and the wall-clock budget. The decoder itself watches progress and decoded media
 * time (media/decoder.ts) and makes ffmpeg refuse oversized pictures (`-max_pixels`).
 */
import { abortError, type LimitReachedError } from "../domain/errors.ts";
import {
  type AnalysisLimits,
  mediaTooLong,
  overWallClock,
  pictureTooLarge,
  wallClockBudgetSeconds,
} from "../domain/limits.ts";
import type { MediaInfo } from "../media/probe.ts";

/** Throws LimitReachedError when the probed media is over the picture budget or the media-duration cap. */
export function refuseOverLimits(media: MediaInfo, limits: AnalysisLimits, name: string): void {
  const picture = overPictureBudget(media, limits, name);
  if (picture) throw picture;
  if (media.duration !== undefined && media.duration > limits.maxMediaSeconds)
    throw mediaTooLong(name, media.duration, limits);
}

/** The LimitReachedError of probed pictures over the decode budget (files and live streams), if they are. */
export function overPictureBudget(
  media: MediaInfo,
  limits: Pick<AnalysisLimits, "maxPixels">,
  name: string,
): LimitReachedError | undefined {
  const video = media.video;
  return video && video.width * video.height > limits.maxPixels
    ? pictureTooLarge(name, video, limits)
    : undefined;
}

export interface WallClock {
  /** Aborts with LimitReachedError when the budget runs out, or with the parent's reason when it aborts. */
  readonly signal: AbortSignal;
  /** Waits for `work`, or rejects as soon as the signal aborts (for work that has no signal of its own). */
  within<T>(work: Promise<T>): Promise<T>;
  dispose(): void;
}

/**
 * The wall-clock budget of an analysis that started at `startedMs` (performance.now()) on media of
 * `mediaSeconds` (undefined when unknown: the cap's budget).
 */
export function startWallClock(
  parent: AbortSignal | undefined,
  limits: AnalysisLimits,
  mediaSeconds: number | undefined,
  startedMs: number,
  name: string,
): WallClock {
  const budgetSeconds = wallClockBudgetSeconds(limits, mediaSeconds);
  const controller = new AbortController();
  const leftMs = Math.max(0, budgetSeconds * 1000 - (performance.now() - startedMs));
  const timer = setTimeout(() => controller.abort(overWallClock(name, budgetSeconds)), leftMs);
  const signal = parent ? AbortSignal.any([parent, controller.signal]) : controller.signal;
  return {
    signal,
    within: (work) =>
      new Promise((resolve, reject) => {
        const onAbort = () => reject(abortError(signal, `analysis of ${name}`));
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      }),
    dispose: () => clearTimeout(timer),
  };
}
