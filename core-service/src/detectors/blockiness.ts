/**
 * Block corruption: the 8x8/16x16 grid of a starved encoder, and transmission damage that the decoder
 * conceals. Two kinds of evidence open an interval:
 * - the picture: a two-dimensional block grid (see blocking-measure.ts) above an absolute floor and above this
 *   source's own recent baseline, so a source that always carries a faint grid is judged against itself;
 * - the decoder: an error report opens the interval at once (at the error's time) and holds it for `errorHold`
 *   seconds, then for as long as the picture shows more broken macroblock edges than its baseline (concealed
 *   damage persists until the next keyframe), never longer than `maxDamagePersistence` after the last error.
 *
 * The picture is sampled a few times a second, so a change seen at one sample happened somewhere since the one
 * before: onsets and ends are put halfway between the two samples that bracket them (error at most half the
 * sampling interval, either way), decoder errors at their own time.
 *
 * Known limits: a picture that really is made of flat 8-pixel cells with modest steps (pixel art scaled by 8,
 * a low-contrast 8x8 checkerboard) is a block grid and is reported, from its first frame on (raise gridThreshold
 * for such a source); high-contrast cells are ignored as scene edges. Upscaled sources carry a
 * grid at a non-integer period and are not seen; neither is blocking that the encoder's deblocking filter
 * (H.264, HEVC) has already smoothed.
 */
import { z } from "zod";
import type { Defect, Severity } from "../domain/defect.ts";
import { type BlockingMeasure, measureBlocking } from "./blocking-measure.ts";
import type { DecodeErrorEvent, DetectorEvent, LumaFrame, NativeFrameDetector } from "./types.ts";

export const BlockinessOptions = z
  .object({
    /** Seconds a condition must last before the defect is reported (open is sent once it has). */
    minDuration: z.number().nonnegative().default(0.5),
    /**
     * Grid score (boundary-phase excess over the next phase, in units of the typical luma step) above which a
     * picture is blocky whatever its source. Measured on 640x360 real footage: H.264 CRF 18 ≤ 0.08, MPEG-2
     * q2/1.5 Mb/s 0.1–0.27 (one 0.5 on a first I-frame), MPEG-2 q31 0.44–2.4.
     */
    gridThreshold: z.number().positive().default(0.3),
    /** A blocky picture must also score this many times the source's baseline (median of recent clean samples). */
    baselineFactor: z.number().min(1).default(2.5),
    /** Clean samples the baseline remembers (files send 2.5 a second, live streams 2: about 10 s). */
    baselineSamples: z.number().int().positive().default(25),
    /**
     * Seconds after the last decoder error during which the picture counts as damaged whatever it looks like.
     * When it is at least minDuration, a decoder error is reported at once.
     */
    errorHold: z.number().nonnegative().default(0.5),
    /**
     * After decoder errors, the picture stays damaged while the share of broken macroblock edges exceeds this
     * (measured: clean footage 0–0.002, concealed H.264 keyframe 0.003–0.045 until the next keyframe)…
     */
    damageFloor: z.number().positive().default(0.0025),
    /** …and this many times its baseline. */
    damageFactor: z.number().min(1).default(3),
    /** Longest a damage interval is kept open by the picture alone after the last decoder error, in seconds. */
    maxDamagePersistence: z.number().positive().default(10),
    /** Consecutive clean samples that end an interval (one quiet sample inside a defect does not split it). */
    clearSamples: z.number().int().positive().default(2),
    /** Luma steps above this (8-bit levels) are scene edges, not coding artefacts, and are ignored. */
    edgeCeiling: z.number().int().min(1).max(255).default(64),
    /** Every n-th row (and column) is read for the profile that does not need all of them (1080p: ≈0.5 ms at 2). */
    sampleStep: z.number().int().positive().default(2),
  })
  .strict();
export type BlockinessOptions = z.infer<typeof BlockinessOptions>;

const CONCEALED = /concealing (\d+) DC/;

interface Run {
  onset: number;
  opened: boolean;
  lastAffected: number;
  firstClean: number | null;
  cleanCount: number;
  pictureSamples: number;
  scoreSum: number;
  peak: number;
  period: number;
  decodeErrors: number;
  concealedBlocks: number;
}

function newRun(onset: number): Run {
  return {
    onset,
    opened: false,
    lastAffected: onset,
    firstClean: null,
    cleanCount: 0,
    pictureSamples: 0,
    scoreSum: 0,
    peak: 0,
    period: 0,
    decodeErrors: 0,
    concealedBlocks: 0,
  };
}

export function createBlockinessDetector(input: z.input<typeof BlockinessOptions> = {}): NativeFrameDetector {
  const options = BlockinessOptions.parse(input);
  const gridBaseline = new RollingMedian(options.baselineSamples);
  const damageBaseline = new RollingMedian(options.baselineSamples);
  let run: Run | null = null;
  let lastErrorTime = Number.NEGATIVE_INFINITY;
  /** Time of the picture sample before the current one; null before the first. */
  let previousSampleTime: number | null = null;

  const gridThreshold = () => Math.max(options.gridThreshold, gridBaseline.value() * options.baselineFactor);
  const damageThreshold = () => Math.max(options.damageFloor, damageBaseline.value() * options.damageFactor);

  function isBlocky(measure: BlockingMeasure): boolean {
    return measure.grid >= gridThreshold();
  }

  function isDamaged(time: number, measure: BlockingMeasure): boolean {
    if (!run || run.decodeErrors === 0) return false;
    const sinceError = time - lastErrorTime;
    if (sinceError <= options.errorHold) return true;
    return sinceError <= options.maxDamagePersistence && measure.brokenMacroblockEdges >= damageThreshold();
  }

  function maybeOpen(current: Run): DetectorEvent[] {
    if (current.opened || current.lastAffected - current.onset < options.minDuration) return [];
    current.opened = true;
    return [{ kind: "open", defect: describe(current) }];
  }

  function finish(current: Run, end: number): DetectorEvent[] {
    run = null;
    const lasted = current.opened || end - current.onset >= options.minDuration;
    return lasted ? [{ kind: "close", defect: { ...describe(current), end } }] : [];
  }

  function onAffected(current: Run, time: number, measure: BlockingMeasure | null): DetectorEvent[] {
    current.lastAffected = Math.max(current.lastAffected, time);
    current.cleanCount = 0;
    current.firstClean = null;
    if (measure && isBlocky(measure)) {
      current.pictureSamples++;
      current.scoreSum += measure.grid;
      if (measure.grid > current.peak) {
        current.peak = measure.grid;
        current.period = Math.max(measure.acrossColumns.period, measure.acrossRows.period);
      }
    }
    return maybeOpen(current);
  }

  function onClean(current: Run, time: number): DetectorEvent[] {
    current.firstClean ??= halfwayFrom(current.lastAffected, time);
    current.cleanCount++;
    return current.cleanCount >= options.clearSamples ? finish(current, current.firstClean) : [];
  }

  return {
    type: "blockiness",
    input: "native-video",

    push(frame: LumaFrame): DetectorEvent[] {
      const measure = measureBlocking(frame, options);
      const time = frame.time;
      const sinceTime = previousSampleTime ?? time;
      previousSampleTime = time;
      // A decoder error may be reported slightly ahead of the picture it damaged.
      if (run && time < run.onset) return [];
      const affected = isBlocky(measure) || isDamaged(time, measure);
      if (affected) {
        run ??= newRun(halfwayFrom(sinceTime, time));
        return onAffected(run, time, measure);
      }
      if (run) return onClean(run, time);
      gridBaseline.add(measure.grid);
      damageBaseline.add(measure.brokenMacroblockEdges);
      return [];
    },

    pushDecodeError(event: DecodeErrorEvent): DetectorEvent[] {
      lastErrorTime = Math.max(lastErrorTime, event.time);
      run ??= newRun(event.time);
      if (!run.opened) run.onset = Math.min(run.onset, event.time);
      run.decodeErrors++;
      run.concealedBlocks += Number(CONCEALED.exec(event.message)?.[1] ?? 0);
      // The decoder has said the picture is damaged: that is evidence for the whole hold, not one instant.
      return onAffected(run, event.time + options.errorHold, null);
    },

    flush(endTime: number): DetectorEvent[] {
      if (!run) return [];
      const end = run.firstClean ?? Math.max(endTime, run.onset);
      return finish(run, end);
    },
  };

  function describe(current: Run): Defect {
    const hasErrors = current.decodeErrors > 0;
    const meanScore = current.pictureSamples > 0 ? current.scoreSum / current.pictureSamples : 0;
    return {
      type: "blockiness",
      start: current.onset,
      severity: severityOf(current, options.gridThreshold),
      confidence: confidenceOf(hasErrors, current.peak / options.gridThreshold),
      metrics: {
        blockiness: round3(meanScore),
        peakBlockiness: round3(current.peak),
        gridPeriod: current.period,
        decodeErrors: current.decodeErrors,
        concealedBlocks: current.concealedBlocks,
      },
    };
  }
}

function severityOf(current: Run, threshold: number): Severity {
  const stronglyBlocky = current.peak >= 2 * threshold;
  return stronglyBlocky || current.concealedBlocks > 0 ? "major" : "minor";
}

/** Decoder errors are near-certain proof; the picture alone grows more certain the further it is past the bar. */
function confidenceOf(hasErrors: boolean, peakOverThreshold: number): number {
  const fromPicture = peakOverThreshold >= 1 ? Math.min(0.95, 0.6 + 0.35 * (peakOverThreshold - 1)) : 0;
  if (hasErrors) return fromPicture > 0 ? 0.98 : 0.9;
  return round3(fromPicture);
}

/** Median of the last `capacity` values; 0 while empty. Sorting ≤ a few dozen numbers per sample is cheap. */
class RollingMedian {
  private readonly values: number[] = [];
  constructor(private readonly capacity: number) {}
  add(value: number): void {
    this.values.push(value);
    if (this.values.length > this.capacity) this.values.shift();
  }
  value(): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }
}

/** The middle of [from, to], never after `to`. */
function halfwayFrom(from: number, to: number): number {
  return Math.min(to, (from + to) / 2);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
