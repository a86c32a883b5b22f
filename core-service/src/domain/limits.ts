/**
 * The limits every analysis runs under, so that no source can hold a process, a job or its lease for ever.
 * The CLI, the local stack and the worker read them from the same settings (config.ts).
 */
import { z } from "zod";

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
