/**
 * Loudness detector: an EBU R128 meter (loudness-meter.ts) whose figures go into the report, and three kinds of
 * `loudness` defect, told apart by the one measure each carries in `metrics`:
 *
 * - `shortTerm` — a loud burst or a level jump: short-term loudness (3 s) more than `shortTermMargin` above the
 *   target, for a located stretch of at least `shortTermMinDuration`;
 * - `integrated` — the level of a long stretch is wrong: short-term loudness more than `tolerance` away from
 *   the target (either way; silence excepted) for at least `minDuration`, with the stretch's loudness;
 * - `truePeak` — true peak above `maxTruePeak` (R128's −1 dBTP), any duration, overs closer than
 *   `truePeakMergeGap` joined.
 *
 * A loud stretch is reported once: when it is already a `shortTerm` defect, it does not become an `integrated`
 * one as well.
 */
import { z } from "zod";
import type { Defect, Severity } from "../domain/defect.ts";
import type { LoudnessSummary } from "../domain/report.ts";
import { IntervalTracker, toDetectorEvents } from "./interval-tracker.ts";
import { type ExcursionEvent, ExcursionTracker } from "./loudness-excursions.ts";
import { LoudnessMeter, type MeterStep, type MeterTick } from "./loudness-meter.ts";
import { amplitudeToDb } from "./true-peak.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";

export const LoudnessOptions = z
  .object({
    /** Programme target in LUFS: −23 is EBU R128; use −24 for ATSC A/85. */
    target: z.number().default(-23),
    /**
     * LU above the target that short-term loudness must exceed to be a loud burst. EBU R128 s1 caps short-form
     * content (commercials, promos) at a maximum short-term loudness of target +5 LU (−18 LUFS), and EBU Tech
     * 3343 leaves long-form programme free to reach that in loud scenes. +8 LU is 3 LU (twice the power) past
     * the loudest an R128-compliant commercial may be, so a compliant break never trips it, while an
     * unnormalised commercial or a gain error does.
     */
    shortTermMargin: z.number().positive().default(8),
    /**
     * Seconds the loud stretch must last: one short-term window, the span R128 s1's limit is measured over.
     * Shorter loud moments (a door slam, an explosion, a clipped second) are programme dynamics, or clipping.
     */
    shortTermMinDuration: z.number().positive().default(3),
    /**
     * LU away from the target that short-term loudness must stay, for `minDuration`, for a stretch's level to
     * be wrong. R128's ±1 LU applies to a programme's integrated loudness; within a programme short-term
     * loudness normally swings several LU (quiet dialogue, loud action; Tech 3342 LRA of 15–25 LU for films), so
     * 8 LU flags a level that is wrong rather than a mix that is dynamic.
     */
    tolerance: z.number().positive().default(8),
    /** Seconds such a stretch must last: long enough that a quiet scene or a pause is not an alarm. */
    minDuration: z.number().positive().default(10),
    /**
     * Short-term loudness below this (LUFS) is silence, which the silence detector owns: it is never reported
     * as "too quiet". −70 is BS.1770's absolute gate.
     */
    silenceGate: z.number().default(-70),
    /**
     * Highest permitted true peak in dBTP: −1 is EBU R128's maximum, use −2 for ATSC A/85. Compared at the
     * one-decimal precision R128 meters display (EBU Tech 3341 § 2.8), so a −1.0 dBTP peak is within it.
     */
    maxTruePeak: z.number().max(6).default(-1),
    /** Overs less than this many seconds apart are one defect, as the clipping detector joins clipped bursts. */
    truePeakMergeGap: z.number().min(0).default(0.5),
  })
  .strict();
export type LoudnessOptions = z.input<typeof LoudnessOptions>;
type Options = z.infer<typeof LoudnessOptions>;

/** Seconds of meter steps kept: the longest stretch still being located, plus the short-term window twice. */
const HISTORY_MARGIN_SECONDS = 6;
const TICK_SECONDS = 0.01;
/** Momentary loudness is shown down to BS.1770's absolute gate; silence (−∞ LUFS) reads as that floor. */
const LEVELS_FLOOR_LUFS = -70;

export function createLoudnessDetector(options: LoudnessOptions = {}): AudioDetector {
  const o = LoudnessOptions.parse(options);
  const historySteps = Math.ceil(
    (Math.max(o.minDuration, o.shortTermMinDuration) + HISTORY_MARGIN_SECONDS) * 10,
  );
  let meter: LoudnessMeter | undefined;
  let history: MeterStep[] = [];
  const trackers = newTrackers(o);
  const peaks = new TruePeakOvers(o);
  /** The latest `shortTerm` defect, so a loud `integrated` stretch inside it is not reported twice. */
  let burst: { start: number; end: number | undefined } | undefined;
  /** Whether the loud `integrated` stretch under way is such a duplicate; decided when it is first reported. */
  let loudIsDuplicate: boolean | undefined;

  const shortTermEvents = (events: ExcursionEvent[]): DetectorEvent[] =>
    events.map((event) => {
      burst = { start: event.excursion.onset, end: event.kind === "close" ? event.end : undefined };
      return toEvent(event, (excursion) => shortTermDefect(excursion, o));
    });

  const integratedEvents = (events: ExcursionEvent[]): DetectorEvent[] =>
    events.map((event) => toEvent(event, (excursion) => integratedDefect(excursion, o)));

  const loudIntegratedEvents = (events: ExcursionEvent[]): DetectorEvent[] =>
    integratedEvents(
      events.filter((event) => {
        const onset = event.excursion.onset;
        loudIsDuplicate ??= burst !== undefined && (burst.end === undefined || burst.end > onset);
        const duplicate = loudIsDuplicate;
        if (event.kind === "close") loudIsDuplicate = undefined;
        return !duplicate;
      }),
    );

  const onStep = (step: MeterStep): DetectorEvent[] => {
    history.push(step);
    if (history.length > historySteps) history.shift();
    return [
      ...step.ticks.flatMap((tick) => peaks.tick(tick)),
      ...shortTermEvents(trackers.shortTerm.step(step, history)),
      ...loudIntegratedEvents(trackers.loud.step(step, history)),
      ...integratedEvents(trackers.quiet.step(step, history)),
    ];
  };

  return {
    type: "loudness",
    input: "audio",
    push(chunk: AudioChunk): DetectorEvent[] {
      if (!meter || !sameFormat(meter, chunk)) {
        // A new format restarts the measurement: filter state and gating blocks from the old format no longer apply.
        const { sampleRate, channels, channelNames } = chunk;
        meter = new LoudnessMeter(
          { sampleRate, channels, channelNames: [...channelNames] },
          { truePeakLimit: o.maxTruePeak },
        );
        // Stretches under way carry on: an open defect still gets its close.
        history = [];
      }
      return meter.push(chunk.samples, chunk.time).flatMap(onStep);
    },
    flush(endTime: number): DetectorEvent[] {
      return [
        ...peaks.finish(endTime),
        ...shortTermEvents(trackers.shortTerm.finish(endTime, history)),
        ...loudIntegratedEvents(trackers.loud.finish(endTime, history)),
        ...integratedEvents(trackers.quiet.finish(endTime, history)),
      ];
    },
    summary() {
      const figures = meter?.figures();
      return {
        integratedLoudness: figures?.integrated ?? null,
        loudnessRange: figures?.range ?? null,
        truePeak: figures?.truePeak ?? null,
        maxMomentary: figures?.maxMomentary ?? null,
        maxShortTerm: figures?.maxShortTerm ?? null,
        target: o.target,
      };
    },
    levels() {
      const momentary = history[history.length - 1]?.momentary;
      return momentary == null ? {} : { loudness: Math.max(LEVELS_FLOOR_LUFS, momentary) };
    },
  };
}

/**
 * The report's `loudness` from the detectors' merged summaries, rounded to the one decimal R128 meters display
 * (EBU Tech 3341 § 2.8); undefined when no loudness detector ran.
 */
export function loudnessSummary(summaries: Record<string, number | null>): LoudnessSummary | undefined {
  if (!("integratedLoudness" in summaries)) return undefined;
  const figure = (key: string) => {
    const value = summaries[key] ?? null;
    return value === null ? null : Math.round(value * 10) / 10;
  };
  return {
    integrated: figure("integratedLoudness"),
    range: figure("loudnessRange"),
    truePeak: figure("truePeak"),
    maxMomentary: figure("maxMomentary"),
    maxShortTerm: figure("maxShortTerm"),
    target: summaries.target ?? LoudnessOptions.parse({}).target,
  };
}

function newTrackers(o: Options) {
  const { target, silenceGate } = o;
  return {
    shortTerm: new ExcursionTracker({
      direction: "loud",
      threshold: target + o.shortTermMargin,
      minDuration: o.shortTermMinDuration,
      silenceGate,
    }),
    loud: new ExcursionTracker({
      direction: "loud",
      threshold: target + o.tolerance,
      minDuration: o.minDuration,
      silenceGate,
    }),
    quiet: new ExcursionTracker({
      direction: "quiet",
      threshold: target - o.tolerance,
      minDuration: o.minDuration,
      silenceGate,
    }),
  };
}

function toEvent(event: ExcursionEvent, describe: (e: ExcursionEvent["excursion"]) => Defect): DetectorEvent {
  const defect = describe(event.excursion);
  return event.kind === "open"
    ? { kind: "open", defect }
    : { kind: "close", defect: { ...defect, end: event.end } };
}

/** Farther beyond means surer and worse: twice the allowed deviation is critical. */
function grade(deviation: number, allowed: number): { severity: Severity; confidence: number } {
  const excess = Math.abs(deviation) - allowed;
  return {
    severity: Math.abs(deviation) >= 2 * allowed ? "critical" : "major",
    confidence: round2(Math.min(1, 0.6 + (0.4 * Math.max(0, excess)) / allowed)),
  };
}

function shortTermDefect(excursion: ExcursionEvent["excursion"], o: Options): Defect {
  const aboveTarget = excursion.extreme - o.target;
  return {
    type: "loudness",
    start: excursion.onset,
    ...grade(aboveTarget, o.shortTermMargin),
    metrics: { shortTerm: round2(excursion.extreme), aboveTarget: round2(aboveTarget), target: o.target },
  };
}

function integratedDefect(excursion: ExcursionEvent["excursion"], o: Options): Defect {
  const deviation = excursion.loudness - o.target;
  return {
    type: "loudness",
    start: excursion.onset,
    ...grade(excursion.extreme - o.target, o.tolerance),
    metrics: { integrated: round2(excursion.loudness), deviation: round2(deviation), target: o.target },
  };
}

/** True-peak overs on the meter's 10 ms ticks, joined across gaps shorter than `truePeakMergeGap`. */
class TruePeakOvers {
  private readonly tracker: IntervalTracker;
  /** Linear level above which a tick is an over: the limit plus half the displayed 0.1 dB. */
  private readonly overAbove: number;
  private peak = 0;

  constructor(private readonly o: Options) {
    this.tracker = new IntervalTracker({
      minDuration: 0,
      endAfter: Math.max(1, Math.round(o.truePeakMergeGap / TICK_SECONDS)),
    });
    this.overAbove = 10 ** ((o.maxTruePeak + 0.05) / 20);
  }

  tick(tick: MeterTick): DetectorEvent[] {
    const over = tick.truePeak >= this.overAbove;
    if (over) this.peak = this.tracker.phase === "idle" ? tick.truePeak : Math.max(this.peak, tick.truePeak);
    return toDetectorEvents(this.tracker.update(over, tick.start), (start) => this.defect(start));
  }

  finish(endTime: number): DetectorEvent[] {
    return toDetectorEvents(this.tracker.finish(endTime), (start) => this.defect(start));
  }

  private defect(start: number): Defect {
    const truePeak = amplitudeToDb(this.peak);
    return {
      type: "loudness",
      start,
      // At or past full scale, any conversion to fixed point or lossy encoding clips.
      severity: truePeak >= 0 ? "critical" : "major",
      // Tech 3341 lets a meter over-read by 0.2 dB, so a marginal over is less certain.
      confidence: round2(Math.min(1, 0.6 + (truePeak - this.o.maxTruePeak))),
      metrics: { truePeak: round2(truePeak), maxTruePeak: this.o.maxTruePeak },
    };
  }
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
