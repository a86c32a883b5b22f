/**
 * Stretches where short-term loudness stays beyond a threshold, placed on the timeline with the meter's
 * 100 ms steps. The 3 s short-term window smears a level change by up to 3 s, so it only says *that* the level
 * is beyond; *where* the stretch begins and ends is found from the steps' own energies (see `locateOnset`), and
 * its length is that located extent, not how long the lagging short-term value stayed beyond: a 1 s burst that
 * keeps the 3 s average high for 4 s lasts 1 s.
 */
import type { MeterStep } from "./loudness-meter.ts";
import { energyToLufs, lufsToEnergy } from "./loudness-statistics.ts";

export type Direction = "loud" | "quiet";

export interface ExcursionRule {
  readonly direction: Direction;
  /** LUFS: short-term loudness above it (loud) or below it (quiet) is beyond. */
  readonly threshold: number;
  /** Seconds the located stretch must last. */
  readonly minDuration: number;
  /** LUFS under which audio is silence, never "quiet" (the silence detector owns it). */
  readonly silenceGate: number;
}

export interface Excursion {
  readonly onset: number;
  /** The short-term value farthest beyond so far (LUFS). */
  readonly extreme: number;
  /** LUFS of the stretch as a whole, its steps' mean energy; updated as it grows. */
  readonly loudness: number;
}

export type ExcursionEvent =
  | { readonly kind: "open"; readonly excursion: Excursion }
  | { readonly kind: "close"; readonly excursion: Excursion; readonly end: number };

interface Run {
  onset: number;
  extreme: number;
  energy: number;
  steps: number;
  opened: boolean;
}

const HALF_SHORT_TERM_SECONDS = 1.5;
/** Times are sums of doubles; this keeps an exactly-minDuration stretch from missing by 1e-16. */
const EPSILON = 1e-9;

export class ExcursionTracker {
  private run: Run | undefined;
  private readonly beyondEnergy: (energy: number) => boolean;

  constructor(private readonly rule: ExcursionRule) {
    const limit = lufsToEnergy(rule.threshold);
    const silent = lufsToEnergy(rule.silenceGate);
    this.beyondEnergy = rule.direction === "loud" ? (e) => e > limit : (e) => e < limit && e > silent;
  }

  /** Whether a stretch has lasted its minimum and been reported open. */
  get isOpen(): boolean {
    return this.run?.opened === true;
  }

  /** One meter step; `history` is the recent steps ending with this one (long enough to hold the stretch). */
  step(step: MeterStep, history: readonly MeterStep[]): ExcursionEvent[] {
    if (step.shortTerm === null) return [];
    const beyond = this.isBeyond(step.shortTerm);
    const events: ExcursionEvent[] = [];
    const run = this.run;
    if (run && !beyond) {
      this.run = undefined;
      const end = locateEnd(since(history, run.onset), this.beyondEnergy);
      // This step was never counted into the stretch.
      const counted = history.filter((s) => s !== step);
      return this.close(run, end ?? step.end - HALF_SHORT_TERM_SECONDS, counted);
    }
    if (!beyond) return events;
    if (!run) this.run = this.start(step, history);
    const current = this.run as Run;
    current.energy += step.energy;
    current.steps += 1;
    const further =
      this.rule.direction === "loud" ? step.shortTerm > current.extreme : step.shortTerm < current.extreme;
    if (further) current.extreme = step.shortTerm;
    if (!current.opened) {
      const end = locateEnd(since(history, current.onset), this.beyondEnergy);
      if (end !== undefined && end - current.onset >= this.rule.minDuration - EPSILON) {
        current.opened = true;
        events.push({ kind: "open", excursion: describe(current) });
      }
    }
    return events;
  }

  /** Ends the input at `endTime`: a stretch still beyond in the last step runs to the end. */
  finish(endTime: number, history: readonly MeterStep[]): ExcursionEvent[] {
    const run = this.run;
    if (!run) return [];
    this.run = undefined;
    const end = locateEnd(since(history, run.onset), this.beyondEnergy);
    const stillBeyond = end !== undefined && end === history[history.length - 1]?.end;
    return this.close(run, stillBeyond || end === undefined ? endTime : end, history);
  }

  private isBeyond(shortTerm: number): boolean {
    const { direction, threshold, silenceGate } = this.rule;
    return direction === "loud" ? shortTerm > threshold : shortTerm < threshold && shortTerm > silenceGate;
  }

  /** A new stretch, with the steps of `history` it already covers (all but the current one). */
  private start(step: MeterStep, history: readonly MeterStep[]): Run {
    const onset = locateOnset(history, this.beyondEnergy) ?? step.end - HALF_SHORT_TERM_SECONDS;
    const earlier = since(history, onset).filter((s) => s !== step);
    return {
      onset,
      extreme: step.shortTerm as number,
      energy: earlier.reduce((sum, s) => sum + s.energy, 0),
      steps: earlier.length,
      opened: false,
    };
  }

  /** `counted`: the recent steps whose energy the stretch has taken in. */
  private close(run: Run, end: number, counted: readonly MeterStep[]): ExcursionEvent[] {
    const clampedEnd = Math.max(end, run.onset);
    if (!run.opened && clampedEnd - run.onset < this.rule.minDuration - EPSILON) return [];
    // The steps measured after the located end are not part of the stretch.
    for (const s of since(counted, clampedEnd)) {
      run.energy -= s.energy;
      run.steps -= 1;
    }
    return [{ kind: "close", excursion: describe(run), end: clampedEnd }];
  }
}

function describe(run: Run): Excursion {
  return {
    onset: run.onset,
    extreme: run.extreme,
    loudness: run.steps > 0 ? energyToLufs(Math.max(0, run.energy) / run.steps) : run.extreme,
  };
}

/** The steps that start at or after `time`. */
function since(steps: readonly MeterStep[], time: number): readonly MeterStep[] {
  let first = steps.length;
  while (first > 0 && (steps[first - 1] as MeterStep).start >= time - EPSILON) first--;
  return steps.slice(first);
}

/**
 * The onset is the earliest step from which the loudness, averaged from there up to any later step, stays
 * beyond. A step change is then located to 0.1 s, and pauses inside loud speech do not cut the onset short.
 */
function locateOnset(steps: readonly MeterStep[], beyond: (energy: number) => boolean): number | undefined {
  for (let s = 0; s < steps.length; s++) {
    let sum = 0;
    let ok = true;
    for (let e = s; e < steps.length && ok; e++) {
      sum += (steps[e] as MeterStep).energy;
      ok = beyond(sum / (e - s + 1));
    }
    if (ok) return (steps[s] as MeterStep).start;
  }
  return undefined;
}

/** The mirror of `locateOnset`: the latest step up to which every average over earlier steps stays beyond. */
function locateEnd(steps: readonly MeterStep[], beyond: (energy: number) => boolean): number | undefined {
  for (let e = steps.length - 1; e >= 0; e--) {
    let sum = 0;
    let ok = true;
    for (let s = e; s >= 0 && ok; s--) {
      sum += (steps[s] as MeterStep).energy;
      ok = beyond(sum / (e - s + 1));
    }
    if (ok) return (steps[e] as MeterStep).end;
  }
  return undefined;
}
