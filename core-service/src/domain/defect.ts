import { z } from "zod";

/** Defects found in any source; live sources add the stream-level kinds. */
export const FILE_DEFECT_TYPES = [
  "black",
  "freeze",
  "blockiness",
  "silence",
  "clipping",
  "loudness",
  "av-sync",
  "channel-loss",
  "phase",
  "test-signal",
  "captions-lost",
] as const;
export const LIVE_DEFECT_TYPES = ["video-loss", "audio-loss", "stall", "discontinuity"] as const;
/**
 * Defects of the source itself, in files and live streams alike: `unwatched` is part of a playlist that could
 * not be fetched (segments refused by the source guard or the protocol allow-list, or missing), so nothing
 * there was watched; its metrics say how much (`segments`, and `seconds` when the playlist gives them).
 */
export const SOURCE_DEFECT_TYPES = ["unwatched"] as const;
export const DefectType = z.enum([...FILE_DEFECT_TYPES, ...LIVE_DEFECT_TYPES, ...SOURCE_DEFECT_TYPES]);
export type DefectType = z.infer<typeof DefectType>;

export const DetectorName = z.enum(FILE_DEFECT_TYPES);
export type DetectorName = z.infer<typeof DetectorName>;

export const Severity = z.enum(["minor", "major", "critical"]);
export type Severity = z.infer<typeof Severity>;

/**
 * A figure a detector measured, or what a number cannot say: `channels` (the channels a `channel-loss` or
 * `phase` defect concerns, by layout name, `["FR"]`, or 1-based number when the layout is unknown), `signal`
 * (`test-signal`: which one), `method` (`av-sync`: how the offset was found). Lists match an event pattern
 * element by element, as EventBridge's do (`{"channels": ["FR"]}` matches `["FL", "FR"]`).
 */
export const MetricValue = z.union([z.number(), z.string(), z.array(z.union([z.string(), z.number()]))]);
export type MetricValue = z.infer<typeof MetricValue>;

/**
 * One defect interval. `start`/`end` are seconds on the media's own timeline, counted from its first frame.
 * `end` is absent while a defect is still open (live sources, or a file still being analysed). `track` says
 * which audio track an audio defect is on, when the source has several.
 */
export const Defect = z.object({
  type: DefectType,
  start: z.number(),
  end: z.number().optional(),
  severity: Severity,
  confidence: z.number().min(0).max(1),
  metrics: z.record(z.string(), MetricValue),
  /** The audio track an audio defect was found on (from 1), when the source has several. */
  track: z.number().int().positive().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
});
export type Defect = z.infer<typeof Defect>;
export type ClosedDefect = Defect & { end: number };

/**
 * What a loudness defect measured, the one of these its `metrics` carries: a loud burst (`shortTerm`), the level
 * of a stretch (`integrated`) or a true-peak over (`truePeak`). One of each can be open at the same time.
 */
export const LOUDNESS_MEASURES = ["shortTerm", "integrated", "truePeak"] as const;
export type LoudnessMeasure = (typeof LOUDNESS_MEASURES)[number];

/**
 * Which of a job's defects can be open at once, told apart: one of each kind. The kind is the type, and for
 * loudness the measure as well, so a loud burst and the true-peak over inside it are two alerts.
 */
export function defectKind(defect: Pick<Defect, "type"> & Partial<Pick<Defect, "metrics">>): string {
  if (defect.type !== "loudness" || !defect.metrics) return defect.type;
  const metrics = defect.metrics;
  const measure = LOUDNESS_MEASURES.find((m) => m in metrics);
  return measure ? `${defect.type}/${measure}` : defect.type;
}
