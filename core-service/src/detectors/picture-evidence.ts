/**
 * What one native picture says about block corruption, judged against the bars and against the source's own
 * baselines (medians of its recent clean samples, so a source that always carries some texture, grid or grey is
 * judged against itself): blocking (a starved encoder), damage (misfit edges, broken macroblocks, a collapse to
 * grey), and whether it is rough enough to keep a damage interval going. The interval logic is blockiness.ts's.
 */
import { type BlockingMeasure, confirmOnGrid } from "./blocking-measure.ts";
import type { LumaFrame } from "./types.ts";

/** The bars of BlockinessOptions that judge a picture (see there for what each means and was measured as). */
export interface PictureBars {
  readonly gridThreshold: number;
  readonly terraceThreshold: number;
  readonly baselineFactor: number;
  readonly baselineSamples: number;
  readonly misfitThreshold: number;
  readonly misfitFloor: number;
  readonly misfitFactor: number;
  readonly damageFactor: number;
  readonly greyFloor: number;
  readonly greyFactor: number;
}

export interface PictureVerdict {
  /** The block structure of a starved encoder. */
  readonly blocky: boolean;
  /** Damaged in transit: misfit or broken block edges, or a collapse to grey. */
  readonly damaged: boolean;
  /** Share of the picture at mid-grey, for the baseline. */
  readonly greyShare: number;
  /**
   * Next to nothing in the picture (black, a plain card): it shows nothing of what this source's block edges
   * look like, so it is no baseline. A baseline learnt on a black stretch (every share 0) would make the first
   * pictures of the programme after it — interlaced MPEG-2 has misfit edges of ~0.03 when nothing is wrong —
   * "far above what this source has shown lately".
   */
  readonly flat: boolean;
}

/** Fewest clean samples a baseline needs before the relative bars (max, grey) can judge a picture by it. */
const HISTORY = 5;

export class PictureEvidence {
  readonly #bars: PictureBars;
  readonly #grid: RollingMedian;
  readonly #terraces: RollingMedian;
  readonly #broken: RollingMedian;
  readonly #misfit: RollingMedian;
  readonly #grey: RollingMedian;

  constructor(bars: PictureBars) {
    this.#bars = bars;
    this.#grid = new RollingMedian(bars.baselineSamples);
    this.#terraces = new RollingMedian(bars.baselineSamples);
    this.#broken = new RollingMedian(bars.baselineSamples);
    this.#misfit = new RollingMedian(bars.baselineSamples);
    this.#grey = new RollingMedian(bars.baselineSamples);
  }

  /**
   * `hold` (≤ 1) scales the blocking bars down while a reported starved stretch goes on (hysteresis). Terraces
   * and misfit edges are confirmed against every shift of the grid, which costs more, only when they are high.
   */
  judge(frame: LumaFrame, measure: BlockingMeasure, hold = 1): PictureVerdict {
    const { greyShare, spread } = measure.surface;
    const flat = spread < FLAT_SPREAD;
    const collapsed = this.#collapsedToGrey(greyShare);
    const gridBlocky = this.#hasGrid(measure.grid, hold);
    const terraced = this.#hasTerraces(measure.terraces, hold);
    const floor = this.#bars.misfitFloor * areaScale(frame);
    const misfit = this.#misfits(measure.misfitEdges, measure, floor);
    if (!terraced && !misfit) return { blocky: gridBlocky, damaged: collapsed, greyShare, flat };
    const strict = confirmOnGrid(frame, measure);
    return {
      blocky: gridBlocky || (terraced && this.#hasTerraces(strict.terraces, hold)),
      damaged: collapsed || (misfit && this.#misfits(strict.misfitEdges, measure, floor)),
      greyShare,
      flat,
    };
  }

  /** Blocky by the plain measures (for the interval's scores; no confirmation). */
  isBlocky(measure: BlockingMeasure, hold = 1): boolean {
    return this.#hasGrid(measure.grid, hold) || this.#hasTerraces(measure.terraces, hold);
  }

  /**
   * At least `floor` of the macroblock edges broken, damageFactor times the source's baseline and damageFactor
   * times the lines off the grid (text and texture break those as often).
   */
  rough(measure: BlockingMeasure, floor: number): boolean {
    const broken = measure.brokenMacroblockEdges;
    return (
      above(broken, floor, this.#broken, this.#bars.damageFactor) &&
      broken >= this.#bars.damageFactor * measure.brokenOffGridEdges
    );
  }

  /** A clean picture: what this source looks like when nothing is wrong (a flat one says nothing). */
  learn(measure: BlockingMeasure, picture: PictureVerdict): void {
    if (picture.flat) return;
    const { greyShare } = picture;
    this.#grid.add(measure.grid);
    this.#terraces.add(measure.terraces);
    this.#broken.add(measure.brokenMacroblockEdges);
    this.#misfit.add(measure.misfitEdges);
    this.#grey.add(greyShare);
  }

  #hasGrid(grid: number, hold: number): boolean {
    return above(grid, this.#bars.gridThreshold * hold, this.#grid, this.#bars.baselineFactor);
  }

  #hasTerraces(terraces: number, hold: number): boolean {
    return above(terraces, this.#bars.terraceThreshold * hold, this.#terraces, this.#bars.baselineFactor);
  }

  /**
   * Misfit edges above a bar no clean picture reaches (and above the source's clean baseline, as for blocking),
   * or far above what this source's clean pictures have shown lately: a damaged picture among clean ones.
   * `floor` is misfitFloor for this picture's size (areaScale).
   */
  #misfits(misfitEdges: number, measure: BlockingMeasure, floor: number): boolean {
    const bars = this.#bars;
    if (above(misfitEdges, bars.misfitThreshold, this.#misfit, bars.baselineFactor)) return true;
    if (this.#misfit.size() < HISTORY) return false;
    if (misfitEdges >= Math.max(floor, bars.misfitFactor * this.#misfit.max())) return true;
    // Fewer misfit edges, but macroblock edges broken well beyond the source's clean pictures and off the grid.
    return misfitEdges >= floor / 2 && this.rough(measure, floor);
  }

  /**
   * A picture that has collapsed to flat mid-grey: ffmpeg's HEVC (and H.264) decoders stand in a grey picture
   * for a reference they lost, and the pictures predicted from it show only the moving edges on grey, with
   * hardly a block edge for the measures above. Judged against the source's own share of mid-grey, so a grey
   * backdrop that is always there is not a collapse.
   */
  #collapsedToGrey(share: number): boolean {
    if (this.#grey.size() < HISTORY) return false;
    return share >= Math.max(this.#bars.greyFloor, this.#bars.greyFactor * this.#grey.value());
  }
}

function above(value: number, bar: number, baseline: RollingMedian, factor: number): boolean {
  return value >= Math.max(bar, baseline.value() * factor);
}

/** The picture size misfitFloor was measured at (BlockinessOptions). */
const REFERENCE_AREA = 640 * 360;

/**
 * A damaged macroblock breaks the same few block edges whatever the picture's size, so the share of broken edges
 * that a given amount of damage makes shrinks with the area (a 1080p picture has 9 times the edges of a 360p
 * one): the relative floors scale down for pictures larger than the size they were measured at, never up.
 * Damage is still judged against the source's own clean pictures (misfitFactor), which is what keeps clean HD
 * content, whose edges fit as well as at 360p, from reaching it.
 */
function areaScale(frame: Pick<LumaFrame, "width" | "height">): number {
  return Math.min(1, REFERENCE_AREA / Math.max(1, frame.width * frame.height));
}

/**
 * Standard deviation of luma in levels below which a picture is flat: black and plain cards with coding noise
 * measure under 1, a dark night scene 5 or more. (The step between neighbours is no measure: smooth HD footage
 * steps less than a level from pixel to pixel.)
 */
const FLAT_SPREAD = 2;

/** Median of the last `capacity` values; 0 while empty. Sorting ≤ a few dozen numbers per sample is cheap. */
class RollingMedian {
  private readonly values: number[] = [];
  constructor(private readonly capacity: number) {}
  add(value: number): void {
    this.values.push(value);
    if (this.values.length > this.capacity) this.values.shift();
  }
  size(): number {
    return this.values.length;
  }
  max(): number {
    return Math.max(0, ...this.values);
  }
  value(): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }
}
