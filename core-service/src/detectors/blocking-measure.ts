/**
 * A no-reference measure of coding-block grids in one native-resolution luma plane, in the family of
 * Wang, Bovik & Evans (ICIP 2000) and Muijs & Kirenko (EUSIPCO 2005, ffmpeg's `blockdetect`): luma steps
 * across block boundaries are compared with the steps inside blocks. Written for avmon, not ported.
 *
 * For each direction the mean absolute step between neighbouring pixels is profiled per position, then folded
 * by the grid period (8 for DCT blocks, 16 for macroblocks). A coding grid lifts exactly one phase of the
 * period; which phase is found, not assumed, because cropping shifts the grid. The score is how far that phase
 * stands above the next-highest one, in units of the typical step, so textures that lift two phases of the
 * period (a 4-pixel checkerboard, 4x4-periodic patterns) cancel out instead of scoring.
 *
 * Each phase is represented by the median over its positions, not the mean: a coding grid lifts every block
 * boundary, while a few long scene edges that happen to share a phase (synthetic pictures, graphics, test
 * patterns) lift only some of them. With the mean, testsrc2 encoded cleanly as MPEG-2 q4 scored up to 0.65.
 *
 * Two more measures see what that grid misses, each as a count on the coding grid minus the same count on a grid
 * shifted by half a block, where no codec puts an edge (so textures, text and patterns, which fall on both
 * grids alike, cancel out):
 * - terraces: neighbouring 8x8 or 16x16 blocks whose flat cores sit at clearly different levels. A starved
 *   H.264 or HEVC encoder's deblocking filter smooths the block edges away (the step grid above is then flat),
 *   but not the plateaus inside the blocks;
 * - misfit edges: 8-pixel segments of block edges whose step stands far above the steps beside it. Pictures
 *   damaged in transit are patched, garbled or smeared block by block, so their blocks stop fitting their
 *   neighbours at the block edges, whatever the codec.
 *
 * The pixel loops run in a WebAssembly SIMD kernel (blocking-kernel.ts): ~1 ms per native 1080p frame, against
 * tens of ms in plain JS.
 */
import {
  brokenSegments,
  measurePlane,
  type OnAndOffGrid,
  type PlaneSurface,
  type SegmentCounts,
  shiftedGrids,
  type TerraceCounts,
} from "./blocking-kernel.ts";

/** Grid periods looked for: 8x8 transform blocks (MPEG-2, JPEG, H.264 8x8) and 16x16 macroblocks. */
const GRID_PERIODS = [8, 16] as const;
const BASE_PERIOD = 8;
/** Added to the typical step so flat pictures (a near-black frame) cannot turn a 1-level step into a big ratio. */
const STEP_FLOOR = 1;

export interface GridEvidence {
  /** How far the strongest phase stands above every other phase, relative to the typical step (0 = no grid). */
  readonly score: number;
  readonly period: number;
  /** Position of the boundary within the period: the step between pixel `phase` and `phase + 1`. */
  readonly phase: number;
}

export interface BlockingMeasure {
  /** The picture's grey share and spread, from its codes as decoded. */
  readonly surface: PlaneSurface;
  /** Evidence in both directions at once (the weaker of the two): a coding grid is two-dimensional. */
  readonly grid: number;
  /**
   * Share of 16-pixel macroblock edge segments with a step far above the steps beside it: the local mark of
   * concealed (copied, smeared, grey) macroblocks, which a picture-wide average dilutes to nothing.
   */
  readonly brokenMacroblockEdges: number;
  /**
   * The same share on lines 4 pixels past the macroblock edges, off every coding grid: text and texture break
   * those as often as the macroblock edges, concealed macroblocks do not.
   */
  readonly brokenOffGridEdges: number;
  /**
   * Share of neighbouring blocks that are terraces, on the grid minus off it, in the weaker of the two
   * directions (blocks are two-dimensional; a fence or a ramp is not); the larger of 8x8 and 16x16.
   */
  readonly terraces: number;
  /** Share of 8-pixel block edge segments that are broken, on the grid minus off it. */
  readonly misfitEdges: number;
  /** The counts on the coding grid itself, for confirmOnGrid. */
  readonly onGrid: {
    readonly blockEdges: number;
    readonly terraces8: TerraceCounts;
    readonly terraces16: TerraceCounts;
  };
  /** Steps between columns, i.e. vertical block edges. */
  readonly acrossColumns: GridEvidence;
  /** Steps between rows, i.e. horizontal block edges. */
  readonly acrossRows: GridEvidence;
}

export interface BlockingMeasureOptions {
  /** Steps larger than this (8-bit levels) are scene edges, not coding artefacts, and are left out. */
  readonly edgeCeiling: number;
  /** Every n-th row feeds the column profile and every n-th column the row profile; the other axis is complete. */
  readonly sampleStep: number;
}

export interface LumaPlane {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  /**
   * "limited" planes (black at 16) are measured as if stretched to full range, as the thresholds were set on
   * full-range planes; absent = "full".
   */
  readonly range?: "limited" | "full";
}

/** Folds a step profile by `period` and finds the phase that a block grid would lift. */
export function gridEvidence(profile: Float64Array, period: number): GridEvidence {
  const phaseMeans = foldByPeriod(profile, period);
  let best = 0;
  for (let phase = 1; phase < period; phase++) {
    if ((phaseMeans[phase] as number) > (phaseMeans[best] as number)) best = phase;
  }
  // Phases a BASE_PERIOD grid would lift along with `best` are that grid's, not competing texture.
  let runnerUp = 0;
  let restSum = 0;
  let restCount = 0;
  for (let phase = 0; phase < period; phase++) {
    if ((phase - best) % BASE_PERIOD === 0) continue;
    const mean = phaseMeans[phase] as number;
    runnerUp = Math.max(runnerUp, mean);
    restSum += mean;
    restCount++;
  }
  const typicalStep = restCount > 0 ? restSum / restCount : 0;
  const excess = (phaseMeans[best] as number) - runnerUp;
  return { score: Math.max(0, excess) / (typicalStep + STEP_FLOOR), period, phase: best };
}

/** The median step of each phase of the period (see the header for why not the mean). */
function foldByPeriod(profile: Float64Array, period: number): Float64Array {
  const perPhase = Math.ceil(profile.length / period);
  const column = new Float64Array(perPhase);
  const medians = new Float64Array(period);
  for (let phase = 0; phase < period; phase++) {
    let count = 0;
    for (let i = phase; i < profile.length; i += period) column[count++] = profile[i] as number;
    const values = column.subarray(0, count).sort();
    medians[phase] = count > 0 ? (values[count >> 1] as number) : 0;
  }
  return medians;
}

/**
 * `profile` holds each position's summed step weights (see blocking-kernel.ts): columns read every column but
 * only every sampleStep-th row, rows the reverse, so the grid's phase shows in about 2 × pixels / step reads.
 */
function strongestGrid(profile: Uint32Array, samplesPerPosition: number): GridEvidence {
  // A plain loop: Float64Array.from with a mapping callback costs ~0.06 ms per 1080p profile.
  const perPixel = new Float64Array(profile.length);
  const samples = Math.max(1, samplesPerPosition);
  for (let i = 0; i < profile.length; i++) perPixel[i] = (profile[i] as number) / samples;
  let best: GridEvidence = { score: 0, period: BASE_PERIOD, phase: 0 };
  for (const period of GRID_PERIODS) {
    // Too few blocks to tell a grid from chance.
    if (perPixel.length < period * 4) continue;
    const evidence = gridEvidence(perPixel, period);
    if (evidence.score > best.score) best = evidence;
  }
  return best;
}

/** Measures the block grid of one luma plane at its native size (a scaled picture no longer shows it). */
export function measureBlocking(plane: LumaPlane, options: BlockingMeasureOptions): BlockingMeasure {
  const step = Math.max(1, Math.floor(options.sampleStep));
  const { surface, profiles, segments, segmentsOffGrid, blockEdges, terraces8, terraces16 } = measurePlane(
    plane,
    step,
    options.edgeCeiling,
  );
  const acrossColumns = strongestGrid(profiles.columns, Math.ceil(plane.height / step));
  const acrossRows = strongestGrid(profiles.rows, Math.ceil(plane.width / step));
  return {
    surface,
    grid: Math.min(acrossColumns.score, acrossRows.score),
    brokenMacroblockEdges: shareBroken(segments),
    brokenOffGridEdges: shareBroken(segmentsOffGrid),
    terraces: Math.max(terraceExcess(terraces8), terraceExcess(terraces16)),
    misfitEdges: shareBroken(blockEdges.onGrid) - shareBroken(blockEdges.offGrid),
    onGrid: {
      blockEdges: shareBroken(blockEdges.onGrid),
      terraces8: terraces8.onGrid,
      terraces16: terraces16.onGrid,
    },
    acrossColumns,
    acrossRows,
  };
}

/** Shares of terraces among side-by-side and among stacked neighbours. */
function terraceShares(counts: TerraceCounts): { side: number; stacked: number } {
  const share = (terraces: number, pairs: number) => (pairs > 0 ? terraces / pairs : 0);
  const { sideBySide } = counts;
  return {
    side: share(sideBySide.terraces, sideBySide.pairs),
    stacked: share(counts.terraces - sideBySide.terraces, counts.pairs - sideBySide.pairs),
  };
}

/** The excess of the grid over the strongest of `others`, in the weaker direction. */
function terraceExcessOver(onGrid: TerraceCounts, others: readonly TerraceCounts[]): number {
  const on = terraceShares(onGrid);
  const off = others.map(terraceShares);
  const strongest = (pick: (s: { side: number; stacked: number }) => number) => Math.max(0, ...off.map(pick));
  return Math.min(on.side - strongest((s) => s.side), on.stacked - strongest((s) => s.stacked));
}

function terraceExcess(counts: OnAndOffGrid<TerraceCounts>): number {
  return terraceExcessOver(counts.onGrid, [counts.offGrid]);
}

/**
 * The terrace and misfit-edge scores against the strongest of all other shifts of the grid rather than the
 * half-period one: a pattern that repeats with the grid's own period (a fence, tiles, a grid of lines) lifts
 * some shift as much as the coding grid and scores nothing, where coding artefacts lift the coding grid alone.
 * Costs several times the measure, so it confirms a score that is already high.
 */
export function confirmOnGrid(
  plane: LumaPlane,
  measure: BlockingMeasure,
): { readonly terraces: number; readonly misfitEdges: number } {
  const shifted = shiftedGrids(plane);
  const strongestBroken = Math.max(0, ...shifted.blockEdges.map((c: SegmentCounts) => shareBroken(c)));
  return {
    terraces: Math.max(
      terraceExcessOver(measure.onGrid.terraces8, shifted.terraces8),
      terraceExcessOver(measure.onGrid.terraces16, shifted.terraces16),
    ),
    misfitEdges: measure.onGrid.blockEdges - strongestBroken,
  };
}

/**
 * Checks every 16-pixel segment of every macroblock edge, assuming the decoder's macroblock grid starts at the
 * top-left pixel (true of a decoded picture at native size). A segment is broken when its step is more than
 * 3 times the mean of the steps one pixel before and after it, plus 4 levels so faint noise on flat areas does
 * not count. Reads four rows (or columns) at each macroblock edge.
 */
export function brokenMacroblockEdges(plane: LumaPlane): number {
  return shareBroken(brokenSegments(plane));
}

function shareBroken(counts: { readonly broken: number; readonly segments: number }): number {
  return counts.segments > 0 ? counts.broken / counts.segments : 0;
}
