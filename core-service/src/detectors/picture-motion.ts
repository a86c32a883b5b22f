/**
 * What the small analysis pictures (about 10 a second) tell the block-corruption detector, which otherwise sees
 * a native-resolution picture only every 0.4 s:
 * - when the picture changed sharply: a decoder repairs damage at the next keyframe, all at once, so the
 *   sharpest change between two native samples times the end of a damage interval (and its onset) far more
 *   closely than the samples do;
 * - stalls: a moving picture that stops dead (bit-identical pictures: the decoder dropped the frames it could
 *   not decode and the timeline repeats the last good one, as VP9 does) and then jumps when the next keyframe
 *   arrives. A picture that stops and then moves on smoothly is a held frame, not a stall.
 *
 * The change of a picture is the mean absolute luma difference from the one before, over every other row
 * (a quarter of the work of all pixels at 320 px wide, ≈0.03 ms; any real change reaches many rows).
 */

export interface MotionOptions {
  /** Mean change (luma levels) the pictures before a stall must show for it to count: the picture was moving. */
  readonly stallMotion: number;
  /** The change that ends a stall must be this many times the motion before it… */
  readonly stallJumpFactor: number;
  /** …and at least this many levels. */
  readonly stallJump: number;
  /** Identical pictures in a row a stall needs (one repeat is a frame-rate conversion's duplicate). */
  readonly stallPictures: number;
  /** Longest stall, in seconds; longer ones are freezes, for the freeze detector. */
  readonly maxStall: number;
}

/** A stretch of repeated pictures between a moving picture and a jump. */
export interface Stall {
  readonly start: number;
  readonly end: number;
  readonly pictures: number;
}

interface Change {
  readonly time: number;
  readonly change: number;
}

/** Seconds of changes kept for timing. */
const HISTORY_SECONDS = 3;
/** A change stands out when it is this many times the others in its window (plus one level). */
const SHARP_FACTOR = 2;
const PICTURES_BEFORE_STALL = 3;

export class PictureMotion {
  private previous: Uint8Array | undefined;
  private previousTime = 0;
  private readonly changes: Change[] = [];
  private stall: { start: number; pictures: number; motionBefore: number } | undefined;

  constructor(private readonly options: MotionOptions) {}

  /** Takes the next analysis picture; returns a stall that this picture ended with a jump. */
  push(frame: {
    readonly time: number;
    readonly width: number;
    readonly height: number;
    readonly data: Uint8Array;
  }): Stall | undefined {
    const size = frame.width * frame.height;
    const previous = this.previous;
    const previousTime = this.previousTime;
    this.previousTime = frame.time;
    if (!previous || previous.length !== size) {
      this.previous = Uint8Array.from(frame.data.subarray(0, size));
      this.stall = undefined;
      return undefined;
    }
    const change = meanChange(previous, frame.data, frame.width, frame.height);
    previous.set(frame.data.subarray(0, size));
    const ended = this.followStall(change, frame.time, previousTime);
    this.changes.push({ time: frame.time, change });
    while ((this.changes[0]?.time ?? frame.time) < frame.time - HISTORY_SECONDS) this.changes.shift();
    return ended;
  }

  private followStall(change: number, time: number, previousTime: number): Stall | undefined {
    const { options } = this;
    if (change === 0) {
      if (this.stall) this.stall.pictures++;
      else {
        const motionBefore = median(this.changes.slice(-PICTURES_BEFORE_STALL).map((c) => c.change));
        if (this.changes.length >= PICTURES_BEFORE_STALL && motionBefore >= options.stallMotion)
          this.stall = { start: (previousTime + time) / 2, pictures: 1, motionBefore };
      }
      return undefined;
    }
    const stall = this.stall;
    this.stall = undefined;
    if (!stall || stall.pictures < options.stallPictures) return undefined;
    const end = (previousTime + time) / 2;
    const jumped = change >= Math.max(options.stallJump, options.stallJumpFactor * stall.motionBefore);
    if (!jumped || end - stall.start > options.maxStall) return undefined;
    return { start: stall.start, end, pictures: stall.pictures };
  }

  /**
   * The time a sharp change happened in (after, upTo]: halfway between that picture and the one before it,
   * when one picture's change stands out from the others there; undefined when none does (or none was seen).
   */
  sharpestChange(after: number, upTo: number): number | undefined {
    const inWindow = this.changes.filter((c) => c.time > after && c.time <= upTo);
    if (inWindow.length === 0) return undefined;
    const sharpest = inWindow.reduce((best, c) => (c.change > best.change ? c : best));
    const others = inWindow.filter((c) => c !== sharpest).map((c) => c.change);
    const before = this.changes[this.changes.indexOf(sharpest) - 1];
    const typical = median(others.length > 0 ? others : before ? [before.change] : []);
    if (sharpest.change < SHARP_FACTOR * typical + 1) return undefined;
    return before ? (before.time + sharpest.time) / 2 : sharpest.time;
  }
}

function meanChange(previous: Uint8Array, current: Uint8Array, width: number, height: number): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y += 2) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const difference = (current[row + x] as number) - (previous[row + x] as number);
      sum += difference < 0 ? -difference : difference;
    }
    count += width;
  }
  return count > 0 ? sum / count : 0;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
