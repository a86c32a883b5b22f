/**
 * The economy profile's rules for "this stream may have a picture defect": judged on the keyframes that the
 * economy decode still makes and on every copied video packet's size. A suspicion sends the stream to full
 * decode (economy-watch.ts), where the detectors themselves confirm and time the defect; so the rules lean
 * towards false alarms (an escalation costs a few seconds of full decode) over misses.
 * Pure: no I/O, state in, keyframe or packet in, a cause or nothing out.
 */
import { BlackMeter, type BlackOptions, nominalLuma } from "../detectors/black.ts";
import { BlockGrid, type FreezeOptions, overlayTolerantDifference } from "../detectors/freeze.ts";
import { BlockRegions } from "../detectors/picture-regions.ts";
import type { LumaFrame } from "../detectors/types.ts";
import type { EscalationCause } from "./types.ts";

/**
 * A second whose video bytes fall under this share of the median second is a bitrate collapse. An encoder fed
 * a black or frozen picture sends next to nothing (a few % of its usual rate); content that merely gets
 * simpler (a slow scene) rarely halves it. A quarter leaves room for the seconds without a keyframe, which on
 * keyframe-heavy content carry much less than the seconds with one.
 */
export const BITRATE_COLLAPSE_SHARE = 0.25;
/** Seconds of history the median is taken over: long enough that a collapse does not drag it down at once. */
const BITRATE_HISTORY_SECONDS = 30;
/** Seconds of history needed before the rule judges at all (the start of a connection is not a collapse). */
const BITRATE_MIN_HISTORY = 5;

export interface SuspicionThresholds {
  readonly black: BlackOptions;
  readonly freeze: FreezeOptions;
}

/** What looked wrong, and the earliest time (in the times given) the defect behind it can have begun after. */
export interface Suspicion {
  readonly cause: EscalationCause;
  /**
   * A full decode from the last keyframe strictly before this sees the onset: for a black keyframe, itself
   * (the keyframe before was not black); for a still one, the keyframe before it (the picture may have stopped
   * anywhere after the one before that); for a collapsed second, the second before it (whose bytes were still
   * over the share).
   */
  readonly since: number;
}

export class EconomySuspicion {
  private readonly blackMeter: BlackMeter;
  private grid: BlockGrid | undefined;
  private regions: BlockRegions | undefined;
  private previous: Float32Array | undefined;
  private previousTime = 0;
  private current: Float32Array | undefined;
  private scratch = new Float32Array(0);
  private readonly bitrate = new BitrateWatch();

  constructor(private readonly thresholds: SuspicionThresholds) {
    this.blackMeter = new BlackMeter(thresholds.black);
  }

  /**
   * A decoded keyframe. `black`: black by the black detector's own rule. `still`: it differs from the previous
   * keyframe by no more than the freeze detector's cap on a change that can count as unchanged (maxThreshold),
   * the overlay bands left out as the freeze detector does. Not the looser drift it allows from a frozen
   * reference (× referenceFactor): on mostly static content (testsrc2 at 720p, keyframes 1 s apart) that calls
   * every keyframe still and keeps the stream escalated; a frozen picture's keyframes differ by far less.
   */
  keyframe(frame: LumaFrame): Suspicion | undefined {
    const previousTime = this.previousTime;
    this.previousTime = frame.time;
    const black = this.blackMeter.measure(frame).isBlack;
    const still = this.stillSincePrevious(frame);
    if (black) return { cause: "black", since: frame.time };
    return still ? { cause: "still", since: previousTime } : undefined;
  }

  /** A copied video packet of `bytes` at `time`. */
  packet(time: number, bytes: number): Suspicion | undefined {
    const collapsed = this.bitrate.packet(time, bytes);
    return collapsed === undefined ? undefined : { cause: "bitrate-collapse", since: collapsed - 1 };
  }

  /** A new connection: nothing before it says anything about what comes. */
  reconnected(): void {
    this.previous = undefined;
    this.bitrate.reset();
  }

  private stillSincePrevious(frame: LumaFrame): boolean {
    const freeze = this.thresholds.freeze;
    if (!this.grid?.fits(frame)) {
      this.grid = new BlockGrid(frame.width, frame.height, freeze.blockSize);
      this.regions = new BlockRegions(frame.width, frame.height, freeze.blockSize, freeze.masks, "bands");
      this.previous = undefined;
      this.current = new Float32Array(this.grid.size);
      this.scratch = new Float32Array(this.grid.size);
    }
    const grid = this.grid;
    const regions = this.regions as BlockRegions;
    const current = this.current as Float32Array;
    grid.means(frame.data, current);
    const previous = this.previous;
    // Swap buffers: this keyframe's means become the next one's reference.
    this.current = previous ?? new Float32Array(grid.size);
    this.previous = current;
    if (!previous) return false;
    const overlayBlocks = Math.floor(freeze.overlayShare * regions.unmaskedBlocks);
    const span = nominalLuma(frame.range).span;
    const difference = overlayTolerantDifference(
      current,
      previous,
      regions,
      overlayBlocks,
      span,
      this.scratch,
    );
    return difference <= freeze.maxThreshold;
  }
}

/** Bytes per stream second, against the median second of the recent past. */
class BitrateWatch {
  private second: number | undefined;
  private bytes = 0;
  private history: number[] = [];

  /** The start of the second that `time` closes, when that second was a collapse. */
  packet(time: number, bytes: number): number | undefined {
    const second = Math.floor(time);
    if (this.second === undefined || second < this.second) {
      // The first packet, or time went backwards (a jump): start counting afresh.
      this.reset();
      this.second = second;
    }
    let collapsed: number | undefined;
    if (second > (this.second as number)) {
      if (this.closeSecond()) collapsed = this.second;
      // Seconds with no packet at all are a loss or a stall (stream health's), not a low bitrate.
      this.second = second;
      this.bytes = 0;
    }
    this.bytes += bytes;
    return collapsed;
  }

  reset(): void {
    this.second = undefined;
    this.bytes = 0;
    this.history = [];
  }

  private closeSecond(): boolean {
    const median = medianOf(this.history);
    const collapsed =
      this.history.length >= BITRATE_MIN_HISTORY && this.bytes < BITRATE_COLLAPSE_SHARE * median;
    this.history.push(this.bytes);
    if (this.history.length > BITRATE_HISTORY_SECONDS) this.history.shift();
    return collapsed;
  }
}

function medianOf(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
