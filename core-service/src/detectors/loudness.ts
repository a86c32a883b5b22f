/**
 * Wrong-loudness detector: reports stretches where the EBU R128 short-term loudness (3 s window) stays more
 * than `tolerance` LU away from the programme `target` for at least `minDuration`, and gives the programme's
 * gated integrated loudness in its summary.
 */
import { z } from "zod";
import type { Severity } from "../domain/defect.ts";
import { LoudnessMeter, lufsToEnergy, type MeterStep } from "./loudness-meter.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";

export const LoudnessOptions = z
  .object({
    /** Programme target in LUFS: −23 is EBU R128; use −24 for ATSC A/85. */
    target: z.number().default(-23),
    /**
     * Allowed short-term deviation in LU. R128's ±1 LU applies to a programme's integrated loudness; within a
     * programme short-term loudness normally swings several LU (quiet dialogue, loud action), so 8 LU flags
     * a level that is wrong rather than a mix that is dynamic.
     */
    tolerance: z.number().positive().default(8),
    /** Seconds the excursion must last: long enough that a loud scene or a quiet pause is not an alarm. */
    minDuration: z.number().positive().default(10),
    /**
     * Short-term loudness below this (LUFS) is silence, which the silence detector owns: it is never reported
     * as "too quiet". −70 is BS.1770's absolute gate.
     */
    silenceGate: z.number().default(-70),
  })
  .strict();
export type LoudnessOptions = z.input<typeof LoudnessOptions>;

type Direction = "loud" | "quiet";

interface Excursion {
  readonly direction: Direction;
  readonly onset: number;
  /** The short-term value farthest from the target so far. */
  extreme: number;
  opened: boolean;
}

const SHORT_TERM_STEPS = 30;
const HALF_SHORT_TERM_SECONDS = 1.5;
/** Momentary loudness is shown down to BS.1770's absolute gate; silence (−∞ LUFS) reads as that floor. */
const LEVELS_FLOOR_LUFS = -70;
/** Times are sums of doubles; this keeps an exactly-minDuration excursion from missing by 1e-16. */
const EPSILON = 1e-9;

export function createLoudnessDetector(options: LoudnessOptions = {}): AudioDetector {
  const o = LoudnessOptions.parse(options);
  const loudAbove = lufsToEnergy(o.target + o.tolerance);
  const quietBelow = lufsToEnergy(o.target - o.tolerance);
  const silentBelow = lufsToEnergy(o.silenceGate);
  let meter: LoudnessMeter | undefined;
  let history: MeterStep[] = [];
  let excursion: Excursion | undefined;

  /** Whether a mean energy lies beyond the tolerance on the given side (silence is never "quiet"). */
  const beyond = (direction: Direction, energy: number): boolean =>
    direction === "loud" ? energy > loudAbove : energy < quietBelow && energy > silentBelow;

  const classify = (shortTerm: number): Direction | undefined => {
    if (shortTerm > o.target + o.tolerance) return "loud";
    if (shortTerm < o.target - o.tolerance && shortTerm > o.silenceGate) return "quiet";
    return undefined;
  };

  const defectFor = (run: Excursion) => {
    const deviation = run.extreme - o.target;
    const excess = Math.abs(deviation) - o.tolerance;
    const severity: Severity = Math.abs(deviation) >= 2 * o.tolerance ? "critical" : "major";
    return {
      type: "loudness" as const,
      start: run.onset,
      severity,
      confidence: round2(Math.min(1, 0.6 + (0.4 * excess) / o.tolerance)),
      metrics: { shortTermLoudness: round2(run.extreme), deviation: round2(deviation), target: o.target },
    };
  };

  const close = (run: Excursion, end: number): DetectorEvent[] => {
    const clampedEnd = Math.max(end, run.onset);
    if (!run.opened && clampedEnd - run.onset < o.minDuration - EPSILON) return [];
    return [{ kind: "close", defect: { ...defectFor(run), end: clampedEnd } }];
  };

  const onStep = (step: MeterStep): DetectorEvent[] => {
    history.push(step);
    if (history.length > SHORT_TERM_STEPS) history.shift();
    if (step.shortTerm === null) return [];
    const direction = classify(step.shortTerm);
    const events: DetectorEvent[] = [];
    if (excursion && excursion.direction !== direction) {
      events.push(
        ...close(
          excursion,
          locateEnd(history, excursion.direction, beyond) ?? step.end - HALF_SHORT_TERM_SECONDS,
        ),
      );
      excursion = undefined;
    }
    if (direction && !excursion) {
      const onset = locateOnset(history, direction, beyond) ?? step.end - HALF_SHORT_TERM_SECONDS;
      excursion = { direction, onset, extreme: step.shortTerm, opened: false };
    }
    if (excursion) {
      const further =
        excursion.direction === "loud"
          ? step.shortTerm > excursion.extreme
          : step.shortTerm < excursion.extreme;
      if (further) excursion.extreme = step.shortTerm;
      if (!excursion.opened && step.end - excursion.onset >= o.minDuration - EPSILON) {
        excursion.opened = true;
        events.push({ kind: "open", defect: defectFor(excursion) });
      }
    }
    return events;
  };

  return {
    type: "loudness",
    input: "audio",
    push(chunk: AudioChunk): DetectorEvent[] {
      if (!meter || !sameFormat(meter, chunk)) {
        // A new format restarts the measurement: filter state and gating blocks from the old format no longer apply.
        const { sampleRate, channels, channelNames } = chunk;
        meter = new LoudnessMeter({ sampleRate, channels, channelNames: [...channelNames] });
        history = [];
      }
      return meter.push(chunk.samples, chunk.time).flatMap(onStep);
    },
    flush(endTime: number): DetectorEvent[] {
      if (!excursion) return [];
      const run = excursion;
      excursion = undefined;
      const end = locateEnd(history, run.direction, beyond);
      // Still beyond in the last measured step: the excursion runs on to the end of the stream.
      const stillBeyond = end !== undefined && end === history[history.length - 1]?.end;
      return close(run, stillBeyond || end === undefined ? endTime : end);
    },
    summary() {
      return { integratedLoudness: meter?.integrated() ?? null, target: o.target };
    },
    levels() {
      const momentary = history[history.length - 1]?.momentary;
      return momentary == null ? {} : { loudness: Math.max(LEVELS_FLOOR_LUFS, momentary) };
    },
  };
}

/**
 * The 3 s short-term window smears edges by up to 3 s, so onsets are placed with the 100 ms steps inside the
 * window: the onset is the earliest step from which the loudness, averaged from there up to any later step,
 * stays beyond the tolerance. A step change is then located to 0.1 s, and pauses inside loud speech do not
 * cut the onset short.
 */
export function locateOnset(
  steps: readonly MeterStep[],
  direction: Direction,
  beyond: (d: Direction, energy: number) => boolean,
): number | undefined {
  for (let s = 0; s < steps.length; s++) {
    let sum = 0;
    let ok = true;
    for (let e = s; e < steps.length && ok; e++) {
      sum += (steps[e] as MeterStep).energy;
      ok = beyond(direction, sum / (e - s + 1));
    }
    if (ok) return (steps[s] as MeterStep).start;
  }
  return undefined;
}

/** The mirror of `locateOnset`: the latest step up to which every average over earlier steps stays beyond. */
export function locateEnd(
  steps: readonly MeterStep[],
  direction: Direction,
  beyond: (d: Direction, energy: number) => boolean,
): number | undefined {
  for (let e = steps.length - 1; e >= 0; e--) {
    let sum = 0;
    let ok = true;
    for (let s = e; s >= 0 && ok; s--) {
      sum += (steps[s] as MeterStep).energy;
      ok = beyond(direction, sum / (e - s + 1));
    }
    if (ok) return (steps[e] as MeterStep).end;
  }
  return undefined;
}

function sameFormat(meter: LoudnessMeter, chunk: AudioChunk): boolean {
  const f = meter.format;
  return (
    f.sampleRate === chunk.sampleRate &&
    f.channels === chunk.channels &&
    f.channelNames.join(",") === chunk.channelNames.join(",")
  );
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
