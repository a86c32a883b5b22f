/** One interval of block corruption as it is followed (blockiness.ts), and the defect it becomes. */
import type { Defect, Severity } from "../domain/defect.ts";
import type { BlockinessOptions } from "./blockiness-options.ts";

/** Why a sample counts as affected; `stall` intervals come whole from the analysis pictures. */
export type Evidence = "blocking" | "picture-damage" | "decoder" | "stall";

export interface Run {
  onset: number;
  /** When set, the native samples around the onset, for timing it by the analysis pictures once they are in. */
  onsetWindow: [number, number] | null;
  opened: boolean;
  lastAffected: number;
  firstClean: number | null;
  /** The native samples around the end, as onsetWindow; null when the end is known (an error's hold, a stall). */
  endWindow: [number, number] | null;
  cleanCount: number;
  pictureSamples: number;
  scoreSum: number;
  peak: number;
  peakTerraces: number;
  peakMisfit: number;
  period: number;
  decodeErrors: number;
  concealedBlocks: number;
  stalledPictures: number;
  /** Time of the last sample whose picture itself showed damage. */
  lastPictureDamage: number;
  /**
   * The last time damage was seen rather than assumed: a complaint, a damaged or rough picture (not the pictures
   * held damaged until the next keyframe). The first keyframe after it repaired the picture.
   */
  lastSeenDamage: number;
  evidence: Set<Evidence>;
}

export function newRun(onset: number, onsetWindow: [number, number] | null = null): Run {
  return {
    onset,
    onsetWindow,
    opened: false,
    lastAffected: onset,
    firstClean: null,
    endWindow: null,
    cleanCount: 0,
    pictureSamples: 0,
    scoreSum: 0,
    peak: 0,
    peakTerraces: 0,
    peakMisfit: 0,
    period: 0,
    decodeErrors: 0,
    concealedBlocks: 0,
    stalledPictures: 0,
    lastPictureDamage: Number.NEGATIVE_INFINITY,
    lastSeenDamage: Number.NEGATIVE_INFINITY,
    evidence: new Set(),
  };
}

/** The defect an interval is, as far as it has gone. */
export function describeRun(current: Run, options: BlockinessOptions): Defect {
  const meanScore = current.pictureSamples > 0 ? current.scoreSum / current.pictureSamples : 0;
  return {
    type: "blockiness",
    start: current.onset,
    severity: severityOf(current, options),
    confidence: confidenceOf(current, options),
    metrics: {
      blockiness: round3(meanScore),
      peakBlockiness: round3(current.peak),
      gridPeriod: current.period,
      peakTerraces: round3(current.peakTerraces),
      peakMisfitEdges: round3(current.peakMisfit),
      decodeErrors: current.decodeErrors,
      concealedBlocks: current.concealedBlocks,
      stalledPictures: current.stalledPictures,
    },
  };
}

/** Damage (concealed blocks, misfit edges, a stall) and strong blocking are major; faint blocking is minor. */
function severityOf(current: Run, options: BlockinessOptions): Severity {
  const stronglyBlocky =
    current.peak >= 2 * options.gridThreshold || current.peakTerraces >= 2 * options.terraceThreshold;
  const damaged =
    current.concealedBlocks > 0 || current.evidence.has("picture-damage") || current.evidence.has("stall");
  return stronglyBlocky || damaged ? "major" : "minor";
}

/**
 * Decoder errors are near-certain proof; a stall nearly so; the picture alone grows more certain the further it
 * is past its bar.
 */
function confidenceOf(current: Run, options: BlockinessOptions): number {
  const over = Math.max(
    current.peak / options.gridThreshold,
    current.peakTerraces / options.terraceThreshold,
    current.peakMisfit / options.misfitThreshold,
  );
  const fromPicture = over >= 1 ? Math.min(0.95, 0.6 + 0.35 * (over - 1)) : 0;
  if (current.decodeErrors > 0) return fromPicture > 0 ? 0.98 : 0.9;
  if (current.evidence.has("stall")) return Math.max(0.85, round3(fromPicture));
  if (current.evidence.has("picture-damage")) return Math.max(0.7, round3(fromPicture));
  return round3(fromPicture);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
