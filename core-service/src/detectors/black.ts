import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { IntervalTracker, severityForDuration, toDetectorEvents } from "./interval-tracker.ts";
import type { AnalysisFrameDetector, DetectorEvent, LumaFrame } from "./types.ts";

/**
 * Options of the black-picture detector. The per-pixel and per-picture rules are ffmpeg blackdetect's
 * (libavfilter/vf_blackdetect.c, `pix_th` and `pic_th`), so results can be checked against it; the minimum
 * duration is shorter than blackdetect's 2 s because a full second of black is already visible on air.
 */
export const BlackOptions = z
  .object({
    /** Seconds a picture must stay black to be reported. */
    minDuration: z.number().min(0).default(1.0),
    /** Share of pixels (0..1) that must be at or below the black level for a picture to be black. */
    pictureBlackRatio: z.number().min(0).max(1).default(0.98),
    /** Black level as a share (0..1) of the nominal luma range: 16 + t·219 in limited range, t·255 in full. */
    pixelThreshold: z.number().min(0).max(1).default(0.1),
    /** Seconds from which a black interval is `major`. */
    majorDuration: z.number().min(0).default(3),
    /** Seconds from which a black interval is `critical`. */
    criticalDuration: z.number().min(0).default(10),
  })
  .strict()
  .refine((o) => o.criticalDuration >= o.majorDuration, {
    message: "criticalDuration must be >= majorDuration",
    path: ["criticalDuration"],
  });
export type BlackOptions = z.infer<typeof BlackOptions>;
export type BlackOptionsInput = z.input<typeof BlackOptions>;

type BlackRule = Pick<BlackOptions, "pictureBlackRatio" | "pixelThreshold">;

/**
 * Highest 8-bit luma code that counts as black. Truncated like blackdetect's integer threshold, so the
 * defaults give 37 in limited range and 25 in full range.
 */
export function blackLevel(range: LumaFrame["range"], pixelThreshold: number): number {
  const { black, span } = nominalLuma(range);
  return Math.floor(black + pixelThreshold * span);
}

/**
 * The codes of nominal black and the span from black to white: limited range (most delivery video) puts black
 * at 16 and white at 235, full range at 0 and 255. Levels and differences are measured against the span.
 */
export function nominalLuma(range: LumaFrame["range"]): { readonly black: number; readonly span: number } {
  return range === "full" ? { black: 0, span: 255 } : { black: 16, span: 235 - 16 };
}

/** How many non-black pixels a picture of `pixelCount` pixels may have and still be black. */
function nonBlackAllowance(pixelCount: number, pictureBlackRatio: number): number {
  // The epsilon absorbs float error in (1 - ratio) so that exactly `ratio` black pixels counts as black.
  return Math.floor(pixelCount * (1 - pictureBlackRatio) + 1e-9);
}

/** True when the picture is black by the blackdetect rule. Stops reading as soon as the answer is known. */
export function isBlackFrame(frame: LumaFrame, options: BlackRule): boolean {
  const level = blackLevel(frame.range, options.pixelThreshold);
  const pixelCount = frame.width * frame.height;
  const allowance = nonBlackAllowance(pixelCount, options.pictureBlackRatio);
  const data = frame.data;
  let nonBlack = 0;
  for (let i = 0; i < pixelCount; i++) {
    if ((data[i] as number) > level && ++nonBlack > allowance) return false;
  }
  return pixelCount > 0;
}

export interface BlackMeasure {
  readonly isBlack: boolean;
  /** Share of pixels at or below the black level, 0..1. */
  readonly blackFraction: number;
  /** Mean luma from nominal black (0) to nominal white (1). */
  readonly meanLuma: number;
}

/**
 * The full per-picture figures, for the frames that belong to a black interval. Counts a luma histogram first:
 * one increment per pixel and no branch, which is what keeps this cheap at every frame of every stream.
 */
export function measureBlack(
  frame: LumaFrame,
  options: BlackRule,
  histogram = new Uint32Array(256),
): BlackMeasure {
  const level = blackLevel(frame.range, options.pixelThreshold);
  const nominal = nominalLuma(frame.range);
  const pixelCount = frame.width * frame.height;
  if (pixelCount === 0) return { isBlack: false, blackFraction: 0, meanLuma: 0 };
  histogram.fill(0);
  const data = frame.data;
  for (let i = 0; i < pixelCount; i++) {
    const value = data[i] as number;
    histogram[value] = (histogram[value] as number) + 1;
  }
  let black = 0;
  let sum = 0;
  for (let value = 0; value < 256; value++) {
    const count = histogram[value] as number;
    sum += value * count;
    if (value <= level) black += count;
  }
  return {
    isBlack: pixelCount - black <= nonBlackAllowance(pixelCount, options.pictureBlackRatio),
    blackFraction: black / pixelCount,
    meanLuma: Math.max(0, (sum / pixelCount - nominal.black) / nominal.span),
  };
}

/** Running averages over the black frames of the current interval. */
class BlackStats {
  private frames = 0;
  private blackFractionSum = 0;
  private meanLumaSum = 0;

  reset(): void {
    this.frames = 0;
    this.blackFractionSum = 0;
    this.meanLumaSum = 0;
  }

  add(measure: BlackMeasure): void {
    this.frames++;
    this.blackFractionSum += measure.blackFraction;
    this.meanLumaSum += measure.meanLuma;
  }

  metrics(): { blackFraction: number; meanLuma: number } {
    const n = Math.max(this.frames, 1);
    return { blackFraction: this.blackFractionSum / n, meanLuma: this.meanLumaSum / n };
  }
}

/**
 * Confidence grows with the margin above the picture rule: a picture where every pixel is black is certain,
 * one that only just passes `pictureBlackRatio` could be a very dark shot.
 */
function blackConfidence(blackFraction: number, pictureBlackRatio: number): number {
  const headroom = 1 - pictureBlackRatio;
  const margin = headroom > 0 ? (blackFraction - pictureBlackRatio) / headroom : 1;
  return Math.min(1, Math.max(0, 0.6 + 0.4 * margin));
}

/** Reports intervals of black picture; streaming, one luma plane at a time. */
export function createBlackDetector(options: BlackOptions): AnalysisFrameDetector {
  const settings = BlackOptions.parse(options);
  const tracker = new IntervalTracker({ minDuration: settings.minDuration, endAfter: 1 });
  const stats = new BlackStats();
  const histogram = new Uint32Array(256);
  let lastMeanLuma: number | undefined;

  const defect = (start: number, end?: number): Defect => {
    const metrics = stats.metrics();
    const duration = (end ?? start + settings.minDuration) - start;
    return {
      type: "black",
      start,
      ...(end === undefined ? {} : { end }),
      severity: severityForDuration(duration, settings),
      confidence: blackConfidence(metrics.blackFraction, settings.pictureBlackRatio),
      metrics,
    };
  };

  return {
    type: "black",
    input: "analysis-video",
    push(frame: LumaFrame): DetectorEvent[] {
      const measure = measureBlack(frame, settings, histogram);
      lastMeanLuma = measure.meanLuma;
      if (measure.isBlack) {
        if (tracker.phase === "idle") stats.reset();
        stats.add(measure);
      }
      return toDetectorEvents(tracker.update(measure.isBlack, frame.time), defect);
    },
    flush(endTime: number): DetectorEvent[] {
      return toDetectorEvents(tracker.finish(endTime), defect);
    },
    levels: () => (lastMeanLuma === undefined ? {} : { luma: lastMeanLuma }),
  };
}
