/**
 * A/V offset measured on a sync test signal: each flash is paired with the nearest beep within `pairWindow`
 * (half the signal's period, so a pair is never ambiguous), and the offset of each pair (beep − flash,
 * positive = audio late) is judged against the tolerance. Offsets beyond it for `minDuration` are an `av-sync`
 * defect, from the first such pair (the earlier of its flash and beep) until a pair within tolerance, or until
 * the signal stops (no pair for `maxPairGap`: it then ends one period after the last pair). Content without a
 * sync signal has no pairs, so it never raises anything; a lone flash meeting a lone beep is one pair, far
 * from enough.
 */
import type { Defect } from "../domain/defect.ts";
import { IntervalTracker, toDetectorEvents } from "./interval-tracker.ts";
import type { DetectorEvent } from "./types.ts";
import { round } from "./units.ts";

export interface SyncTolerance {
  /** Milliseconds audio may lead the picture. */
  readonly audioEarlyMs: number;
  /** Milliseconds audio may lag the picture. */
  readonly audioLateMs: number;
}

export interface SyncSignalOptions extends SyncTolerance {
  /** Seconds offsets must stay beyond the tolerance. */
  readonly minDuration: number;
  /** Seconds either side of a flash in which its beep is looked for. */
  readonly pairWindow: number;
  /** Seconds without a pair after which the signal has stopped. */
  readonly maxPairGap: number;
}

/** Offsets kept for an interval's median: the last minute of a once-a-second signal. */
const KEPT_OFFSETS = 60;
/** Flashes or beeps waiting for a partner: more means the other medium is not arriving at all. */
const MAX_WAITING = 100;
const DEFAULT_PERIOD = 1;

interface Measured {
  readonly offsets: number[];
  count: number;
  min: number;
  max: number;
}

export class SyncSignal {
  private readonly flashes: number[] = [];
  private readonly beeps: number[] = [];
  private readonly tracker: IntervalTracker;
  private measured: Measured = newMeasured();
  private lastPair: number | undefined;
  private period = DEFAULT_PERIOD;

  constructor(private readonly options: SyncSignalOptions) {
    this.tracker = new IntervalTracker({ minDuration: options.minDuration, endAfter: 1 });
  }

  addFlash(time: number): void {
    this.flashes.push(time);
    if (this.flashes.length > MAX_WAITING) this.flashes.shift();
  }

  addBeep(time: number): void {
    this.beeps.push(time);
    this.beeps.sort((a, b) => a - b);
    if (this.beeps.length > MAX_WAITING) this.beeps.shift();
  }

  /**
   * Pairs every flash whose possible partners are all known: pictures are settled up to `videoUntil` and
   * sound up to `audioUntil` (no flash or beep before them is still to come).
   */
  advance(videoUntil: number, audioUntil: number): DetectorEvent[] {
    const { pairWindow } = this.options;
    const events: DetectorEvent[] = [];
    while (this.flashes.length > 0 && (this.flashes[0] as number) + pairWindow <= audioUntil) {
      const flash = this.flashes.shift() as number;
      const beep = this.takeBeepNear(flash);
      if (beep !== undefined) events.push(...this.onPair(flash, beep));
    }
    // A beep no flash can reach any more was not part of a pair.
    while (this.beeps.length > 0 && (this.beeps[0] as number) + pairWindow < videoUntil) {
      const beep = this.beeps[0] as number;
      if (this.flashes.some((f) => Math.abs(f - beep) <= pairWindow)) break;
      this.beeps.shift();
    }
    if (
      this.lastPair !== undefined &&
      Math.min(videoUntil, audioUntil) - this.lastPair > this.options.maxPairGap
    )
      events.push(...this.signalStopped());
    return events;
  }

  finish(endTime: number): DetectorEvent[] {
    const stopped = this.lastPair !== undefined && endTime - this.lastPair > this.options.maxPairGap;
    const end = stopped ? (this.lastPair as number) + this.period : endTime;
    return toDetectorEvents(this.tracker.finish(end), (start, e) => this.describe(start, e));
  }

  private takeBeepNear(flash: number): number | undefined {
    let best = -1;
    for (let i = 0; i < this.beeps.length; i++) {
      const distance = Math.abs((this.beeps[i] as number) - flash);
      const bestDistance =
        best < 0 ? Number.POSITIVE_INFINITY : Math.abs((this.beeps[best] as number) - flash);
      if (distance <= this.options.pairWindow && distance < bestDistance) best = i;
    }
    if (best < 0) return undefined;
    const beep = this.beeps[best] as number;
    this.beeps.splice(0, best + 1);
    return beep;
  }

  private onPair(flash: number, beep: number): DetectorEvent[] {
    const time = Math.min(flash, beep);
    const offsetMs = (beep - flash) * 1000;
    const events: DetectorEvent[] = [];
    if (this.lastPair !== undefined) {
      const spacing = time - this.lastPair;
      if (spacing > this.options.maxPairGap) events.push(...this.signalStopped());
      else if (spacing > 0) this.period = spacing;
    }
    this.lastPair = time;
    const beyond = offsetMs > this.options.audioLateMs || offsetMs < -this.options.audioEarlyMs;
    if (beyond) {
      if (this.tracker.phase === "idle") this.measured = newMeasured();
      record(this.measured, offsetMs);
    }
    events.push(
      ...toDetectorEvents(this.tracker.update(beyond, time), (start, e) => this.describe(start, e)),
    );
    return events;
  }

  private signalStopped(): DetectorEvent[] {
    const end = (this.lastPair as number) + this.period;
    this.lastPair = undefined;
    return toDetectorEvents(this.tracker.update(false, end), (start, e) => this.describe(start, e));
  }

  private describe(start: number, end?: number): Defect {
    const m = this.measured;
    // Each measurement adds certainty; a handful of consistent ones is as sure as it gets.
    const confidence = Math.min(1, 0.5 + 0.1 * m.count);
    return describeOffset(start, end, median(m.offsets), confidence, this.options, "test-signal", {
      pairs: m.count,
      minOffsetMs: round(m.min, 1),
      maxOffsetMs: round(m.max, 1),
    });
  }
}

/** An `av-sync` defect with `offsetMs` (positive = audio late), graded against the tolerance on its side. */
export function describeOffset(
  start: number,
  end: number | undefined,
  offsetMs: number,
  confidence: number,
  tolerance: SyncTolerance,
  method: string,
  extra: Record<string, number>,
): Defect {
  const allowed = offsetMs > 0 ? tolerance.audioLateMs : tolerance.audioEarlyMs;
  return {
    type: "av-sync",
    start,
    severity: Math.abs(offsetMs) > 2 * allowed ? "critical" : "major",
    confidence: round(confidence, 2),
    metrics: {
      method,
      offsetMs: round(offsetMs, 1),
      ...extra,
      ...(end !== undefined && { duration: round(end - start, 3) }),
    },
  };
}

function newMeasured(): Measured {
  return { offsets: [], count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
}

function record(measured: Measured, offsetMs: number): void {
  measured.offsets.push(offsetMs);
  if (measured.offsets.length > KEPT_OFFSETS) measured.offsets.shift();
  measured.count++;
  measured.min = Math.min(measured.min, offsetMs);
  measured.max = Math.max(measured.max, offsetMs);
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    : (sorted[Math.floor(mid)] as number);
}
