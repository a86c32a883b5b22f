/**
 * The flashes of a sync test signal (a white field for a frame or a few, once a second, as in BBC flash/beep
 * and EBU Tech 3305-style sequences), found in the mean luma of every picture. A flash is a rise of at least
 * `minRise` of the luma range above the pictures before it that falls back within `maxDuration`; its time is
 * the presentation time of its first picture. A cut to a bright scene does not fall back, so it is no flash.
 */
import type { LumaFrame } from "./types.ts";

export interface FlashFinderOptions {
  /** Rise of mean luma, as a share of the range (0–1), that makes a flash: a white field on black is ≈ 1. */
  readonly minRise: number;
  /** Longest flash, in seconds. */
  readonly maxDuration: number;
}

/** Pictures before a flash whose median is its background. */
const BACKGROUND_PICTURES = 8;

export class FlashFinder {
  private readonly background: number[] = [];
  private candidate: { readonly start: number; readonly base: number } | undefined;
  private time = 0;

  constructor(private readonly options: FlashFinderOptions) {}

  /** Media time up to which every flash has been reported. */
  settledUntil(): number {
    return this.candidate ? this.candidate.start : this.time;
  }

  /** Feeds every picture in order; returns the start time of a flash that has just ended. */
  push(frame: LumaFrame): number | undefined {
    this.time = frame.time;
    const level = meanLevel(frame);
    const candidate = this.candidate;
    if (candidate) {
      if (level >= candidate.base + this.options.minRise / 2) {
        // Still bright: past the longest flash it is a new scene, whose pictures become the background.
        if (frame.time - candidate.start > this.options.maxDuration) {
          this.candidate = undefined;
          this.remember(level);
        }
        return undefined;
      }
      this.candidate = undefined;
      this.remember(level);
      return candidate.start;
    }
    const base = median(this.background);
    if (base !== undefined && level - base >= this.options.minRise) {
      this.candidate = { start: frame.time, base };
      return undefined;
    }
    this.remember(level);
    return undefined;
  }

  private remember(level: number): void {
    this.background.push(level);
    if (this.background.length > BACKGROUND_PICTURES) this.background.shift();
  }
}

/** Mean luma as a share of the picture's range: 0 = black, 1 = peak white. */
export function meanLevel(frame: LumaFrame): number {
  const { data } = frame;
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] as number;
  const mean = data.length > 0 ? sum / data.length : 0;
  return frame.range === "full" ? mean / 255 : (mean - 16) / 219;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
