/**
 * The limits every analysis runs under, so that no source can hold a process, a job or its lease for ever.
 * The CLI, the local stack and the worker read them from the same settings (config.ts).
 */
import { z } from "zod";
import { LimitReachedError, StalledError } from "./errors.ts";

export const AnalysisLimits = z.object({
  /** No picture and no audio sample for this long ends the analysis as stalled. */
  stallSeconds: z.number().positive(),
  /** A file analysis may take `wallClockFactor` × its media duration + `wallClockBaseSeconds` of wall time. */
  wallClockFactor: z.number().positive(),
  wallClockBaseSeconds: z.number().positive(),
  /** Longest media a file job analyses (declared or decoded), in seconds. */
  maxMediaSeconds: z.number().positive(),
  /** Largest picture decoded, in pixels (width × height). */
  maxPixels: z.number().int().positive(),
});
export type AnalysisLimits = z.infer<typeof AnalysisLimits>;

export const DEFAULT_ANALYSIS_LIMITS: AnalysisLimits = {
  stallSeconds: 30,
  // Analysis runs at 10–30× real time on files; twice the media duration leaves room for a slow network
  // source read at about real time, and the constant for probing and start-up of short clips.
  wallClockFactor: 2,
  wallClockBaseSeconds: 300,
  maxMediaSeconds: 24 * 3600,
  // 8K UHD-1 (7680×4320) and DCI 8K (8192×4320) fit; a picture that claims more is a decode bomb or a mistake.
  maxPixels: 8192 * 4320,
};

/** Wall-clock seconds a file analysis of `mediaSeconds` may take (the cap when the duration is unknown). */
export function wallClockBudgetSeconds(limits: AnalysisLimits, mediaSeconds: number | undefined): number {
  const media =
    mediaSeconds === undefined ? limits.maxMediaSeconds : Math.min(mediaSeconds, limits.maxMediaSeconds);
  return limits.wallClockFactor * media + limits.wallClockBaseSeconds;
}

/** The setting (config.ts) that changes each limit: every limit's error names it, so a user knows what to raise. */
export const LIMIT_SETTINGS = {
  stallSeconds: "AVMON_STALL_SECONDS",
  wallClockFactor: "AVMON_WALL_CLOCK_FACTOR",
  wallClockBaseSeconds: "AVMON_WALL_CLOCK_BASE_SECONDS",
  maxMediaSeconds: "AVMON_MAX_MEDIA_SECONDS",
  maxPixels: "AVMON_MAX_PIXELS",
} as const satisfies Record<keyof AnalysisLimits, string>;

/** `name`'s pictures are larger than the decode budget. */
export function pictureTooLarge(
  name: string,
  picture: { width: number; height: number },
  limits: Pick<AnalysisLimits, "maxPixels">,
): LimitReachedError {
  const pixels = picture.width * picture.height;
  return new LimitReachedError(
    `${name}: pictures of ${picture.width}×${picture.height} (${pixels} pixels) are over the decode budget of ${limits.maxPixels} pixels (${LIMIT_SETTINGS.maxPixels})`,
  );
}

/** `name` is longer than the media-duration cap: by its declared duration, or by what was decoded of it. */
export function mediaTooLong(
  name: string,
  declaredSeconds: number | undefined,
  limits: Pick<AnalysisLimits, "maxMediaSeconds">,
): LimitReachedError {
  const what =
    declaredSeconds === undefined
      ? "the media decoded so far passed"
      : `its declared duration (${declaredSeconds.toFixed(1)} s) is over`;
  return new LimitReachedError(
    `${name}: ${what} the media-duration cap of ${limits.maxMediaSeconds} s (${LIMIT_SETTINGS.maxMediaSeconds})`,
  );
}

/** The analysis of `name` took longer than its wall-clock budget. */
export function overWallClock(name: string, budgetSeconds: number): LimitReachedError {
  return new LimitReachedError(
    `${name}: the analysis took longer than its wall-clock budget of ${Number(budgetSeconds.toFixed(1))} s (${LIMIT_SETTINGS.wallClockFactor} × the media duration + ${LIMIT_SETTINGS.wallClockBaseSeconds})`,
  );
}

/**
 * Nothing was decoded from `name` for the watchdog's period. `heldBack`: decoding was waiting on our own consumer
 * (a detector or the event listener), not on the source.
 */
export function noProgress(
  name: string,
  limits: Pick<AnalysisLimits, "stallSeconds">,
  heldBack: boolean,
): StalledError {
  const why = heldBack ? " (decoding was waiting on the analysis itself)" : "";
  return new StalledError(
    `${name}: no picture or audio sample decoded for ${limits.stallSeconds} s${why} (${LIMIT_SETTINGS.stallSeconds})`,
  );
}
