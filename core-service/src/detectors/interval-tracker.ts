import type { Defect } from "../domain/defect.ts";
import type { DetectorEvent } from "./types.ts";

/**
 * A small state machine for "a condition that must hold long enough to matter", shared by detectors that turn a
 * per-sample yes/no (this frame is black, this window is silent…) into defect intervals.
 *
 * - `idle` → `pending` on the first active sample; the interval's start is that sample's time, or an earlier
 *   `onset` the caller knows better (a freeze starts when the frozen picture first appeared, one frame before
 *   the first repeat).
 * - `pending` → `open` on an active sample once `time - start >= minDuration`: the interval is reported while it
 *   is still running.
 * - An interval ends only after `endAfter` consecutive inactive samples, so a single outlier (an encoder
 *   keyframe inside a freeze) does not split it. Its end is the time of the first of those inactive samples:
 *   the moment the condition actually stopped.
 * - An interval that never reached `minDuration` is dropped silently. One that reached it without having been
 *   opened (the last active sample came just before the threshold) is still reported, as a `close` only, which
 *   matches how ffmpeg's blackdetect measures a duration (end - start, end being the first clear frame).
 */
export interface IntervalTrackerOptions {
  /** Seconds the condition must last before it counts. */
  readonly minDuration: number;
  /** Consecutive inactive samples that end an interval (1 = end on the first one). */
  readonly endAfter: number;
}

export type IntervalTransition =
  | { readonly kind: "open"; readonly start: number }
  | { readonly kind: "close"; readonly start: number; readonly end: number };

export type IntervalPhase = "idle" | "pending" | "open";

/** Timestamps are doubles built from frame counts; this keeps exactly-minDuration intervals from missing by 1e-16. */
const TIME_EPSILON = 1e-6;

export class IntervalTracker {
  private currentPhase: IntervalPhase = "idle";
  private start = 0;
  private inactiveRun = 0;
  private inactiveSince = 0;

  constructor(private readonly options: IntervalTrackerOptions) {
    if (!(options.minDuration >= 0)) throw new RangeError("minDuration must be >= 0");
    if (!Number.isInteger(options.endAfter) || options.endAfter < 1) {
      throw new RangeError("endAfter must be an integer >= 1");
    }
  }

  get phase(): IntervalPhase {
    return this.currentPhase;
  }

  /** Start of the interval being tracked; meaningful only when `phase` is not `idle`. */
  get intervalStart(): number {
    return this.start;
  }

  /** Feeds one sample, in time order. Returns at most one transition. */
  update(active: boolean, time: number, onset: number = time): IntervalTransition | null {
    if (active) return this.onActive(time, onset);
    return this.onInactive(time);
  }

  /** Ends the input: closes the interval at `endTime` (or where it stopped, if it already had) when it lasted enough. */
  finish(endTime: number): IntervalTransition | null {
    if (this.currentPhase === "idle") return null;
    const end = this.inactiveRun > 0 ? this.inactiveSince : endTime;
    return this.end(end);
  }

  private onActive(time: number, onset: number): IntervalTransition | null {
    this.inactiveRun = 0;
    if (this.currentPhase === "idle") {
      this.currentPhase = "pending";
      this.start = onset;
    }
    if (this.currentPhase === "pending" && this.hasLasted(time)) {
      this.currentPhase = "open";
      return { kind: "open", start: this.start };
    }
    return null;
  }

  private onInactive(time: number): IntervalTransition | null {
    if (this.currentPhase === "idle") return null;
    if (this.inactiveRun === 0) this.inactiveSince = time;
    this.inactiveRun += 1;
    if (this.inactiveRun < this.options.endAfter) return null;
    return this.end(this.inactiveSince);
  }

  private end(end: number): IntervalTransition | null {
    const wasOpen = this.currentPhase === "open";
    const start = this.start;
    this.currentPhase = "idle";
    this.inactiveRun = 0;
    if (wasOpen || this.hasLasted(end)) return { kind: "close", start, end };
    return null;
  }

  private hasLasted(time: number): boolean {
    return time - this.start >= this.options.minDuration - TIME_EPSILON;
  }
}

/** Grades a defect by how long it lasted: the longer a viewer watches it, the worse. */
export function severityForDuration(
  duration: number,
  thresholds: { readonly majorDuration: number; readonly criticalDuration: number },
): "minor" | "major" | "critical" {
  if (duration >= thresholds.criticalDuration) return "critical";
  if (duration >= thresholds.majorDuration) return "major";
  return "minor";
}

/**
 * Turns a tracker transition into the detector events the pipeline expects. `describe` builds the defect for an
 * interval from `start` (and `end` once it is known) out of whatever the detector has measured so far.
 */
export function toDetectorEvents(
  transition: IntervalTransition | null,
  describe: (start: number, end?: number) => Defect,
): DetectorEvent[] {
  if (transition === null) return [];
  if (transition.kind === "open") return [{ kind: "open", defect: describe(transition.start) }];
  const { start, end } = transition;
  return [{ kind: "close", defect: { ...describe(start, end), end } }];
}
