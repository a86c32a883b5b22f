import { z } from "zod";

/** Defects found in any source; live sources add the stream-level kinds. */
export const FILE_DEFECT_TYPES = [
  "black",
  "freeze",
  "blockiness",
  "silence",
  "clipping",
  "loudness",
  "test-signal",
] as const;
export const LIVE_DEFECT_TYPES = ["video-loss", "audio-loss", "stall", "discontinuity"] as const;
export const DefectType = z.enum([...FILE_DEFECT_TYPES, ...LIVE_DEFECT_TYPES]);
export type DefectType = z.infer<typeof DefectType>;

export const DetectorName = z.enum(FILE_DEFECT_TYPES);
export type DetectorName = z.infer<typeof DetectorName>;

export const Severity = z.enum(["minor", "major", "critical"]);
export type Severity = z.infer<typeof Severity>;

/**
 * One defect interval. `start`/`end` are seconds on the media's own timeline, counted from its first frame.
 * `end` is absent while a defect is still open (live sources, or a file still being analysed).
 */
export const Defect = z.object({
  type: DefectType,
  start: z.number(),
  end: z.number().optional(),
  severity: Severity,
  confidence: z.number().min(0).max(1),
  metrics: z.record(z.string(), z.number()),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
});
export type Defect = z.infer<typeof Defect>;
export type ClosedDefect = Defect & { end: number };
