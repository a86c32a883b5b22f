import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { nominalLuma } from "./black.ts";
import { IntervalTracker, severityForDuration, toDetectorEvents } from "./interval-tracker.ts";
import { BlockRegions, Masks } from "./picture-regions.ts";
import type { StillPictureMeters } from "./still-pictures.ts";
import type { AnalysisFrameDetector, DetectorEvent, LumaFrame } from "./types.ts";

/**
 * Options of the frozen-picture detector. Differences are mean absolute differences of block means, as a share
 * (0..1) of the black-to-white span (219 codes in limited range, 255 in full); `minThreshold` matches ffmpeg
 * freezedetect's default noise tolerance (−60 dB = 0.001) and `minDuration` its 2 s.
 */
export const FreezeOptions = z
  .object({
    /** Seconds the picture must stay unchanged to be reported. */
    minDuration: z.number().min(0).default(2.0),
    /** Largest frame-to-frame difference that can still count as unchanged, whatever the content's noise. */
    minThreshold: z.number().positive().max(1).default(0.001),
    /** Cap on the adaptive threshold, so busy content never makes slow motion look still. */
    maxThreshold: z.number().positive().max(1).default(0.004),
    /**
     * A picture is unchanged only when its change from the previous frame is below this share of the content's
     * temporal noise floor: a live static shot keeps changing at its noise floor, a frozen one falls below it.
     */
    noiseFactor: z.number().positive().max(1).default(0.5),
    /**
     * How much further (as a multiple of the threshold) a picture may drift from the frozen reference than from
     * the previous frame: room for an encoder re-rendering the frozen picture, while slow fades and pans, which
     * drift without bound, still end the freeze.
     */
    referenceFactor: z.number().min(1).default(4),
    /** Consecutive changing frames that end a freeze; a keyframe's one-frame spike must not split one. */
    endAfterMovingFrames: z.number().int().min(1).default(3),
    /** Side in pixels of the blocks whose means are compared: sensor noise averages out, motion does not. */
    blockSize: z.number().int().min(1).max(64).default(8),
    /**
     * Largest share (0..1) of the picture's blocks, in its top and bottom quarters, that may keep changing over
     * a frozen programme: a running clock, a scrolling ticker (about 10 % of the picture, a little more in
     * whole blocks). The most changed blocks there, up to this share, are left out of every comparison.
     */
    overlayShare: z.number().min(0).max(1).default(0.12),
    /** Parts of the picture to ignore, as picture-relative rectangles (an overlay where none is looked for). */
    masks: Masks,
    /** Seconds from which a freeze is `major`. */
    majorDuration: z.number().min(0).default(4),
    /** Seconds from which a freeze is `critical`. */
    criticalDuration: z.number().min(0).default(10),
  })
  .strict()
  .refine((o) => o.maxThreshold >= o.minThreshold, {
    message: "maxThreshold must be >= minThreshold",
    path: ["maxThreshold"],
  })
  .refine((o) => o.criticalDuration >= o.majorDuration, {
    message: "criticalDuration must be >= majorDuration",
    path: ["criticalDuration"],
  });
export type FreezeOptions = z.infer<typeof FreezeOptions>;
export type FreezeOptionsInput = z.input<typeof FreezeOptions>;

/** Block means of a luma plane, into caller-owned buffers so nothing is allocated per frame. */
export class BlockGrid {
  readonly columns: number;
  readonly rows: number;
  private readonly inverseCounts: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly blockSize: number,
  ) {
    this.columns = Math.ceil(width / blockSize);
    this.rows = Math.ceil(height / blockSize);
    this.inverseCounts = new Float32Array(this.columns * this.rows);
    for (let by = 0; by < this.rows; by++) {
      const blockHeight = Math.min(blockSize, height - by * blockSize);
      for (let bx = 0; bx < this.columns; bx++) {
        const blockWidth = Math.min(blockSize, width - bx * blockSize);
        this.inverseCounts[by * this.columns + bx] = 1 / (blockWidth * blockHeight);
      }
    }
  }

  get size(): number {
    return this.inverseCounts.length;
  }

  fits(frame: LumaFrame): boolean {
    return frame.width === this.width && frame.height === this.height;
  }

  means(data: Uint8Array, out: Float32Array): void {
    const { width, height, blockSize, columns } = this;
    out.fill(0);
    for (let y = 0; y < height; y++) {
      const rowStart = y * width;
      const rowEnd = rowStart + width;
      const blockRow = ((y / blockSize) | 0) * columns;
      let i = rowStart;
      for (let bx = 0; bx < columns; bx++) {
        const blockEnd = Math.min(i + blockSize, rowEnd);
        let sum = 0;
        for (; i < blockEnd; i++) sum += data[i] as number;
        out[blockRow + bx] = (out[blockRow + bx] as number) + sum;
      }
    }
    const inverse = this.inverseCounts;
    for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) * (inverse[k] as number);
  }
}

/**
 * Mean absolute difference of two block-mean grids over the unmasked blocks, as a share (0..1) of the span,
 * leaving out the `overlayBlocks` most changed blocks of the overlay bands: a clock or ticker over a frozen
 * programme changes only there, while a moving programme changes across the middle band too. `scratch` holds
 * one value per block.
 */
export function overlayTolerantDifference(
  a: Float32Array,
  b: Float32Array,
  regions: BlockRegions,
  overlayBlocks: number,
  span: number,
  scratch: Float32Array,
): number {
  let sum = 0;
  let zoneBlocks = 0;
  for (let k = 0; k < a.length; k++) {
    if (regions.masked[k]) continue;
    const difference = Math.abs((a[k] as number) - (b[k] as number));
    sum += difference;
    if (regions.overlayZone[k]) scratch[zoneBlocks++] = difference;
  }
  const excluded = Math.min(overlayBlocks, zoneBlocks);
  if (excluded > 0) {
    // A typed-array sort of a few hundred values: cheaper than the pixel pass before it.
    const zone = scratch.subarray(0, zoneBlocks).sort();
    for (let k = zoneBlocks - excluded; k < zoneBlocks; k++) sum -= zone[k] as number;
  }
  const counted = regions.unmaskedBlocks - excluded;
  return counted <= 0 ? 0 : sum / counted / span;
}

/**
 * The content's temporal noise floor: a lower envelope of recent frame-to-frame differences. It falls quickly
 * towards quiet frames and rises slowly, so one scene cut or keyframe barely moves it, while a cut from busy
 * motion to a quiet noisy shot brings it down within about a second, before such a shot could pass for frozen.
 */
class NoiseFloor {
  private static readonly FALL = 0.15;
  private static readonly RISE = 0.02;
  private level = 0;

  constructor(private readonly options: FreezeOptions) {}

  observe(difference: number): void {
    const rate = difference < this.level ? NoiseFloor.FALL : NoiseFloor.RISE;
    this.level += rate * (difference - this.level);
  }

  threshold(): number {
    const { minThreshold, maxThreshold, noiseFactor } = this.options;
    return Math.min(maxThreshold, Math.max(minThreshold, noiseFactor * this.level));
  }
}

/** Averages over the unchanged frames of the current interval. */
class FreezeStats {
  private frames = 0;
  private differenceSum = 0;
  private stillnessSum = 0;

  reset(): void {
    this.frames = 0;
    this.differenceSum = 0;
    this.stillnessSum = 0;
  }

  add(referenceDifference: number, previousDifference: number, threshold: number): void {
    this.frames++;
    this.differenceSum += referenceDifference;
    this.stillnessSum += previousDifference / threshold;
  }

  meanDifference(): number {
    return this.frames === 0 ? 0 : this.differenceSum / this.frames;
  }

  /** 1 for bit-identical repeats, down to 0.5 for frames that only just passed the threshold. */
  confidence(): number {
    const meanStillness = this.frames === 0 ? 1 : this.stillnessSum / this.frames;
    return Math.min(1, Math.max(0, 1 - 0.5 * meanStillness));
  }
}

/** Block-mean buffers for the current, previous and reference (last moving) pictures. */
class FrameMemory {
  current: Float32Array;
  previous: Float32Array;
  readonly reference: Float32Array;
  hasPrevious = false;
  hasReference = false;
  referenceTime = 0;

  readonly regions: BlockRegions;
  readonly scratch: Float32Array;

  constructor(
    readonly grid: BlockGrid,
    masks: FreezeOptions["masks"],
  ) {
    this.regions = new BlockRegions(grid.width, grid.height, grid.blockSize, masks, "bands");
    this.scratch = new Float32Array(grid.size);
    this.current = new Float32Array(grid.size);
    this.previous = new Float32Array(grid.size);
    this.reference = new Float32Array(grid.size);
  }

  /** The current picture becomes the previous one; buffers swap instead of being reallocated. */
  advance(): void {
    const spare = this.previous;
    this.previous = this.current;
    this.current = spare;
    this.hasPrevious = true;
  }

  /** Call after `advance`: the picture just pushed becomes the reference. */
  keepAsReference(time: number): void {
    this.reference.set(this.previous);
    this.referenceTime = time;
    this.hasReference = true;
  }
}

/**
 * Reports intervals where the picture does not change. Each frame is compared with the previous one and with
 * the last moving frame (the reference, ffmpeg freezedetect's approach): both must be below threshold for the
 * frame to count as unchanged. During a possible freeze the reference stays put, so slow drifts accumulate
 * until they break it. Black frames (under a logo too) and colour bars never count as frozen: they are the
 * black and test-signal detectors'. A small changing overlay in the top or bottom band does not keep a frozen
 * programme from being frozen (see `overlayTolerantDifference`).
 */
export function createFreezeDetector(
  options: FreezeOptions,
  still: StillPictureMeters,
): AnalysisFrameDetector {
  const settings = FreezeOptions.parse(options);
  const tracker = new IntervalTracker({
    minDuration: settings.minDuration,
    endAfter: settings.endAfterMovingFrames,
  });
  const noise = new NoiseFloor(settings);
  const stats = new FreezeStats();
  let memory: FrameMemory | null = null;
  /** The last picture-to-picture difference; a black picture counts as still. */
  let lastMotion: number | undefined;

  const memoryFor = (frame: LumaFrame): FrameMemory => {
    if (memory === null || !memory.grid.fits(frame)) {
      memory = new FrameMemory(new BlockGrid(frame.width, frame.height, settings.blockSize), settings.masks);
    }
    return memory;
  };

  /** Compares the frame's block means (already in `current`) with the previous and reference pictures. */
  const isUnchanged = (frames: FrameMemory, span: number): boolean => {
    if (!frames.hasPrevious || !frames.hasReference) return false;
    const { regions, scratch } = frames;
    const overlayBlocks = Math.floor(settings.overlayShare * regions.unmaskedBlocks);
    const compare = (other: Float32Array) =>
      overlayTolerantDifference(frames.current, other, regions, overlayBlocks, span, scratch);
    const previousDifference = compare(frames.previous);
    lastMotion = previousDifference;
    const referenceDifference = compare(frames.reference);
    const threshold = noise.threshold();
    const unchanged =
      previousDifference <= threshold && referenceDifference <= settings.referenceFactor * threshold;
    // Inside a reported freeze the differences are the freeze's, not the content's noise.
    if (tracker.phase !== "open") noise.observe(previousDifference);
    if (unchanged) {
      if (tracker.phase === "idle") stats.reset();
      stats.add(referenceDifference, previousDifference, threshold);
    }
    return unchanged;
  };

  const defect = (start: number, end?: number): Defect => {
    const duration = (end ?? start + settings.minDuration) - start;
    return {
      type: "freeze",
      start,
      ...(end === undefined ? {} : { end }),
      severity: severityForDuration(duration, settings),
      confidence: stats.confidence(),
      metrics: { meanDifference: stats.meanDifference() },
    };
  };

  return {
    type: "freeze",
    input: "analysis-video",
    push(frame: LumaFrame): DetectorEvent[] {
      const frames = memoryFor(frame);
      // Black and colour bars are still pictures with defects of their own: neither is also a freeze.
      const isStillOfItsOwn = still.black.measure(frame).isBlack || still.bars.find(frame).isBars;
      if (isStillOfItsOwn) lastMotion = 0;
      let unchanged = false;
      if (!isStillOfItsOwn) {
        frames.grid.means(frame.data, frames.current);
        unchanged = isUnchanged(frames, nominalLuma(frame.range).span);
      }
      const transition = tracker.update(unchanged, frame.time, frames.referenceTime);
      if (!isStillOfItsOwn) frames.advance();
      if (tracker.phase === "idle") {
        // After black there is no picture to hold still against until the next one arrives.
        if (isStillOfItsOwn) frames.hasReference = false;
        else frames.keepAsReference(frame.time);
      }
      return toDetectorEvents(transition, defect);
    },
    flush(endTime: number): DetectorEvent[] {
      return toDetectorEvents(tracker.finish(endTime), defect);
    },
    levels: () => (lastMotion === undefined ? {} : { motion: lastMotion }),
  };
}
