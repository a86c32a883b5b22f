/**
 * Stretches where short-term loudness stays beyond a threshold, placed on the timeline with the meter's
 * 100 ms steps. The 3 s short-term window smears a level change by up to 3 s, so it only says *that* the level
 * is beyond; *where* the stretch begins and ends is found from the steps' own energies (see `locateOnset`), and
 * its length is that located extent, not how long the lagging short-term value stayed beyond: a 1 s burst that
 * keeps the 3 s average high for 4 s lasts 1 s.
 *
 * The lag also hides where one stretch ends and the next begins: two loud passages with a normal-level moment
 * between them keep the 3 s average beyond throughout. So a stretch is over either when short-term loudness
 * stops being beyond or when its located end has been followed by `PAUSE_SECONDS` of audio at a normal level.
 * Silence does not count towards that pause: the gaps between words, or before the next line of a quiet
 * programme, are part of the stretch, and a silence long enough to matter ends it through short-term loudness.
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
  /** Where the located stretch ends so far; undefined until one step of it is located. */
  end: number | undefined;
  /** Undefined while every short-term window seen still reaches back into the previous stretch. */
  extreme: number | undefined;
  /** Energy and count of the steps in [onset, end). */
  energy: number;
  steps: number;
  opened: boolean;
}

/**
 * Seconds of normal-level audio after its located end that end a stretch while the lagging 3 s short-term value
 * is still beyond: half a short-term window bridges the quieter moments of speech and music inside one loud
 * passage, but keeps two loud passages with a normal-level moment between them apart.
 */
const PAUSE_SECONDS = 1.5;
const SHORT_TERM_SECONDS = 3;
/** Times are sums of doubles; this keeps an exactly-minDuration stretch from missing by 1e-16. */
const EPSILON = 1e-9;

export class ExcursionTracker {
  private run: Run | undefined;
  /** Where the last stretch ended: a new one is looked for after it only. */
  private lastEnd = Number.NEGATIVE_INFINITY;
  private readonly beyondEnergy: (energy: number) => boolean;
  /** Audible and not beyond: what a pause between two stretches is made of. */
  private readonly normalEnergy: (energy: number) => boolean;

  constructor(private readonly rule: ExcursionRule) {
    const limit = lufsToEnergy(rule.threshold);
    const silent = lufsToEnergy(rule.silenceGate);
    if (rule.direction === "loud") {
      this.beyondEnergy = (e) => e > limit;
      this.normalEnergy = (e) => e <= limit && e > silent;
    } else {
      this.beyondEnergy = (e) => e < limit && e > silent;
      this.normalEnergy = (e) => e >= limit;
    }
  }

  /** One meter step; `history` is the recent steps ending with this one (long enough to hold the stretch). */
  step(step: MeterStep, history: readonly MeterStep[]): ExcursionEvent[] {
    if (step.shortTerm === null) return [];
    const beyond = this.isBeyond(step.shortTerm);
    const events: ExcursionEvent[] = [];
    if (this.run) {
      const run = this.run;
      this.extend(run, history);
      if (beyond) this.reach(run, step);
      if (!beyond || this.paused(run, history)) events.push(...this.close(run));
    }
    if (beyond && !this.run) this.start(step, history);
    const run = this.run;
    if (run && !run.opened && run.end !== undefined && this.lasted(run, run.end)) {
      run.opened = true;
      events.push({ kind: "open", excursion: describe(run) });
    }
    return events;
  }

  /** Ends the input at `endTime`: a stretch still beyond in the last step runs to the end. */
  finish(endTime: number, history: readonly MeterStep[]): ExcursionEvent[] {
    const run = this.run;
    if (!run) return [];
    this.extend(run, history);
    if (run.end !== undefined && run.end === history[history.length - 1]?.end) run.end = endTime;
    return this.close(run);
  }

  private isBeyond(shortTerm: number): boolean {
    const { direction, threshold, silenceGate } = this.rule;
    return direction === "loud" ? shortTerm > threshold : shortTerm < threshold && shortTerm > silenceGate;
  }

  /** Takes in the step's short-term value, unless its window still holds some of the previous stretch. */
  private reach(run: Run, step: MeterStep): void {
    const value = step.shortTerm;
    if (value === null || step.end - SHORT_TERM_SECONDS < this.lastEnd - EPSILON) return;
    const further = this.rule.direction === "loud" ? (a: number) => value > a : (a: number) => value < a;
    if (run.extreme === undefined || further(run.extreme)) run.extreme = value;
  }

  private paused(run: Run, history: readonly MeterStep[]): boolean {
    if (run.end === undefined) return false;
    let normal = 0;
    for (const s of since(history, run.end)) if (this.normalEnergy(s.energy)) normal += s.end - s.start;
    return normal >= PAUSE_SECONDS - EPSILON;
  }

  private lasted(run: Run, end: number): boolean {
    return end - run.onset >= this.rule.minDuration - EPSILON;
  }

  /** A new stretch, if the steps since the last one locate its onset (else the next step tries again). */
  private start(step: MeterStep, history: readonly MeterStep[]): void {
    const onset = locateOnset(since(history, this.lastEnd), this.beyondEnergy);
    if (onset === undefined) return;
    const run: Run = { onset, end: undefined, extreme: undefined, energy: 0, steps: 0, opened: false };
    this.run = run;
    this.reach(run, step);
    this.extend(run, history);
  }

  /** Moves the located end forward (it never moves back), taking in the energy of the steps it passes. */
  private extend(run: Run, history: readonly MeterStep[]): void {
    const end = locateEnd(since(history, run.onset), this.beyondEnergy);
    if (end === undefined || (run.end !== undefined && end <= run.end)) return;
    for (const s of since(history, run.end ?? run.onset)) {
      if (s.end > end + EPSILON) break;
      run.energy += s.energy;
      run.steps += 1;
    }
    run.end = end;
  }

  private close(run: Run): ExcursionEvent[] {
    this.run = undefined;
    if (run.end === undefined) return [];
    this.lastEnd = run.end;
    if (!run.opened && !this.lasted(run, run.end)) return [];
    return [{ kind: "close", excursion: describe(run), end: run.end }];
  }
}

function describe(run: Run): Excursion {
  const loudness = run.steps > 0 ? energyToLufs(run.energy / run.steps) : undefined;
  // A stretch has at least one located step by the time it is described; the fallbacks are for the type.
  return {
    onset: run.onset,
    extreme: run.extreme ?? loudness ?? Number.NaN,
    loudness: loudness ?? run.extreme ?? Number.NaN,
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
