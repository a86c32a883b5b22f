import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { IntervalTracker, severityForDuration, toDetectorEvents } from "./interval-tracker.ts";
import { BlockRegions, type MaskRectangle, Masks } from "./picture-regions.ts";
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
    /**
     * Largest share (0..1) of the picture a static overlay over black may cover, counted in the 8-pixel blocks
     * it touches (a logo of 5 % of the picture touches about 6–7 %); only the corners count (the outer 30 % of
     * the top and bottom quarters).
     */
    overlayShare: z.number().min(0).max(1).default(0.08),
    /** Parts of the picture to ignore, as picture-relative rectangles (an overlay where none is looked for). */
    masks: Masks,
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

export type BlackRule = Pick<BlackOptions, "pictureBlackRatio" | "pixelThreshold" | "overlayShare"> & {
  readonly masks?: readonly MaskRectangle[];
};

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

export interface BlackMeasure {
  readonly isBlack: boolean;
  /** Share of the programme's pixels (outside masks and any overlay) at or below the black level, 0..1. */
  readonly blackFraction: number;
  /** Mean luma of the programme's pixels, from nominal black (0) to nominal white (1). */
  readonly meanLuma: number;
  /** Share of the unmasked picture looked past as an overlay (a logo in the top or bottom band), 0..1. */
  readonly overlayFraction: number;
}

/**
 * Measures pictures for blackness block by block, so that a black programme under a small overlay (a channel
 * logo, a clock) is still black. Blocks inside masks are ignored. When the picture fails blackdetect's rule as
 * a whole, the blocks in the picture's corners that are not black may be set aside as an overlay, if together
 * they cover at most `overlayShare` of the picture; the rest must then pass the rule on its own. Anything lit
 * elsewhere (rolling credits, which are centred; a night scene's windows) keeps the picture from being black.
 * Buffers are reused from frame to frame. The meter remembers its last picture, so detectors sharing a meter
 * (black and freeze, see still-pictures.ts) measure each picture once.
 */
export class BlackMeter {
  private last: { readonly frame: LumaFrame; readonly measure: BlackMeasure } | null = null;
  private regions: BlockRegions | null = null;
  private nonBlack = new Uint32Array(0);
  private sums = new Float64Array(0);
  private readonly masks: readonly MaskRectangle[];

  constructor(private readonly options: BlackRule) {
    this.masks = options.masks ?? [];
  }

  measure(frame: LumaFrame): BlackMeasure {
    if (this.last?.frame !== frame) this.last = { frame, measure: this.measured(frame) };
    return this.last.measure;
  }

  private measured(frame: LumaFrame): BlackMeasure {
    const regions = this.regionsFor(frame);
    if (regions.unmaskedPixels === 0)
      return { isBlack: false, blackFraction: 0, meanLuma: 0, overlayFraction: 0 };
    const level = blackLevel(frame.range, this.options.pixelThreshold);
    this.countBlocks(frame, regions, level);
    const { pictureBlackRatio } = this.options;
    const { nonBlack, sums } = this;
    let programmePixels = 0;
    let programmeNonBlack = 0;
    let programmeSum = 0;
    let overlayPixels = 0;
    let totalNonBlack = 0;
    for (let k = 0; k < regions.size; k++) {
      if (regions.masked[k]) continue;
      const pixels = regions.pixels[k] as number;
      const lit = nonBlack[k] as number;
      totalNonBlack += lit;
      if (regions.overlayZone[k] && lit > nonBlackAllowance(pixels, pictureBlackRatio)) {
        overlayPixels += pixels;
        continue;
      }
      programmePixels += pixels;
      programmeNonBlack += lit;
      programmeSum += sums[k] as number;
    }
    const nominal = nominalLuma(frame.range);
    const meanOf = (sum: number, pixels: number) =>
      pixels === 0 ? 0 : Math.max(0, (sum / pixels - nominal.black) / nominal.span);
    const unmasked = regions.unmaskedPixels;
    if (totalNonBlack <= nonBlackAllowance(unmasked, pictureBlackRatio)) {
      let sum = 0;
      for (let k = 0; k < regions.size; k++) if (!regions.masked[k]) sum += sums[k] as number;
      return {
        isBlack: true,
        blackFraction: 1 - totalNonBlack / unmasked,
        meanLuma: meanOf(sum, unmasked),
        overlayFraction: 0,
      };
    }
    const overlayFraction = overlayPixels / unmasked;
    const isBlack =
      overlayFraction <= this.options.overlayShare &&
      programmePixels > 0 &&
      programmeNonBlack <= nonBlackAllowance(programmePixels, pictureBlackRatio);
    return {
      isBlack,
      blackFraction: programmePixels === 0 ? 0 : 1 - programmeNonBlack / programmePixels,
      meanLuma: meanOf(programmeSum, programmePixels),
      overlayFraction: isBlack ? overlayFraction : 0,
    };
  }

  private regionsFor(frame: LumaFrame): BlockRegions {
    if (this.regions === null || !this.regions.fits(frame.width, frame.height)) {
      this.regions = new BlockRegions(frame.width, frame.height, BLACK_BLOCK_SIZE, this.masks, "corners");
      this.nonBlack = new Uint32Array(this.regions.size);
      this.sums = new Float64Array(this.regions.size);
    }
    return this.regions;
  }

  /** Non-black pixels and luma sums per block: one pass, one compare and one add per pixel. */
  private countBlocks(frame: LumaFrame, regions: BlockRegions, level: number): void {
    const { width, height, data } = frame;
    const { columns } = regions;
    const { nonBlack, sums } = this;
    nonBlack.fill(0);
    sums.fill(0);
    for (let y = 0; y < height; y++) {
      const blockRow = ((y / BLACK_BLOCK_SIZE) | 0) * columns;
      const rowEnd = (y + 1) * width;
      let i = y * width;
      for (let bx = 0; bx < columns; bx++) {
        const blockEnd = Math.min(i + BLACK_BLOCK_SIZE, rowEnd);
        let lit = 0;
        let sum = 0;
        for (; i < blockEnd; i++) {
          const value = data[i] as number;
          sum += value;
          if (value > level) lit++;
        }
        nonBlack[blockRow + bx] = (nonBlack[blockRow + bx] as number) + lit;
        sums[blockRow + bx] = (sums[blockRow + bx] as number) + sum;
      }
    }
  }
}

/** Side of the blocks an overlay is measured in: fine enough that a logo's blocks barely exceed the logo. */
const BLACK_BLOCK_SIZE = 8;

/** True when the picture is black by the rules of `BlackMeter` (a one-off; detectors keep a meter). */
export function isBlackFrame(frame: LumaFrame, options: BlackRule): boolean {
  return measureBlack(frame, options).isBlack;
}

/** The per-picture figures of `BlackMeter`, for a single picture. */
export function measureBlack(frame: LumaFrame, options: BlackRule): BlackMeasure {
  return new BlackMeter(options).measure(frame);
}

/** Running averages over the black frames of the current interval. */
class BlackStats {
  private frames = 0;
  private blackFractionSum = 0;
  private meanLumaSum = 0;
  private overlaySum = 0;

  reset(): void {
    this.frames = 0;
    this.blackFractionSum = 0;
    this.meanLumaSum = 0;
    this.overlaySum = 0;
  }

  add(measure: BlackMeasure): void {
    this.frames++;
    this.blackFractionSum += measure.blackFraction;
    this.meanLumaSum += measure.meanLuma;
    this.overlaySum += measure.overlayFraction;
  }

  metrics(): { blackFraction: number; meanLuma: number; overlayFraction: number } {
    const n = Math.max(this.frames, 1);
    return {
      blackFraction: this.blackFractionSum / n,
      meanLuma: this.meanLumaSum / n,
      overlayFraction: this.overlaySum / n,
    };
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

/**
 * Reports intervals of black picture; streaming, one luma plane at a time. `sharedMeter`: the set's meter
 * (see still-pictures.ts), else one of its own.
 */
export function createBlackDetector(options: BlackOptions, sharedMeter?: BlackMeter): AnalysisFrameDetector {
  const settings = BlackOptions.parse(options);
  const meter = sharedMeter ?? new BlackMeter(settings);
  const tracker = new IntervalTracker({ minDuration: settings.minDuration, endAfter: 1 });
  const stats = new BlackStats();
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
      const measure = meter.measure(frame);
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
