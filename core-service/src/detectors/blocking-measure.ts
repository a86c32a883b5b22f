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
 */

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
  /** Evidence in both directions at once (the weaker of the two): a coding grid is two-dimensional. */
  readonly grid: number;
  /**
   * Share of 16-pixel macroblock edge segments with a step far above the steps beside it: the local mark of
   * concealed (copied, smeared, grey) macroblocks, which a picture-wide average dilutes to nothing.
   */
  readonly brokenMacroblockEdges: number;
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
}

/** Weight of a signed step (index = step + 255): its size, or 0 for a scene edge. Built once per ceiling. */
const weightTables = new Map<number, Uint8Array>();

function stepWeights(edgeCeiling: number): Uint8Array {
  let table = weightTables.get(edgeCeiling);
  if (!table) {
    table = new Uint8Array(511);
    for (let step = -255; step <= 255; step++) {
      const size = Math.abs(step);
      table[step + 255] = size <= edgeCeiling ? size : 0;
    }
    weightTables.set(edgeCeiling, table);
  }
  return table;
}

interface StepProfiles {
  /** Sum of step weights between column x and x+1, over the sampled rows. */
  readonly columns: Float64Array;
  /** Sum of step weights between row y and y+1, over the sampled columns. */
  readonly rows: Float64Array;
}

/**
 * One pass over the plane. Columns need every column but not every row to show the grid's phase, and rows
 * every row but not every column, so each profile reads a 1/sampleStep subset: about 2 × pixels / step reads.
 */
function stepProfiles(plane: LumaPlane, options: BlockingMeasureOptions): StepProfiles {
  const { width, height, data } = plane;
  const step = Math.max(1, Math.floor(options.sampleStep));
  const weights = stepWeights(options.edgeCeiling);
  const columns = new Float64Array(Math.max(0, width - 1));
  const rows = new Float64Array(Math.max(0, height - 1));
  for (let y = 0; y < height; y++) {
    const rowStart = y * width;
    if (y % step === 0) {
      for (let x = 0; x < width - 1; x++) {
        const weight = weights[(data[rowStart + x + 1] as number) - (data[rowStart + x] as number) + 255];
        columns[x] = (columns[x] as number) + (weight as number);
      }
    }
    if (y < height - 1) {
      const below = rowStart + width;
      let sum = 0;
      for (let x = 0; x < width; x += step) {
        sum += weights[(data[below + x] as number) - (data[rowStart + x] as number) + 255] as number;
      }
      rows[y] = sum;
    }
  }
  return { columns, rows };
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

function strongestGrid(profile: Float64Array, samplesPerPosition: number): GridEvidence {
  const perPixel = profile.map((sum) => sum / Math.max(1, samplesPerPosition));
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
  const profiles = stepProfiles(plane, options);
  const acrossColumns = strongestGrid(profiles.columns, Math.ceil(plane.height / step));
  const acrossRows = strongestGrid(profiles.rows, Math.ceil(plane.width / step));
  return {
    grid: Math.min(acrossColumns.score, acrossRows.score),
    brokenMacroblockEdges: brokenMacroblockEdges(plane),
    acrossColumns,
    acrossRows,
  };
}

const MACROBLOCK = 16;
/** A segment is broken when its step is this many times the steps beside it… */
const BROKEN_STEP_RATIO = 3;
/** …plus this many levels, so faint noise on flat areas does not count. */
const BROKEN_STEP_MARGIN = 4;

/**
 * Checks every 16-pixel segment of every macroblock edge, assuming the decoder's macroblock grid starts at the
 * top-left pixel (true of a decoded picture at native size). Reads three rows (or columns) per macroblock edge,
 * about 3/8 of the pixels.
 */
export function brokenMacroblockEdges(plane: LumaPlane): number {
  const { width, height, data } = plane;
  let broken = 0;
  let segments = 0;
  for (let y = MACROBLOCK; y + 1 < height; y += MACROBLOCK) {
    for (let x0 = 0; x0 + MACROBLOCK <= width; x0 += MACROBLOCK) {
      segments++;
      if (isBrokenSegment(data, y * width + x0, width, 1)) broken++;
    }
  }
  for (let x = MACROBLOCK; x + 1 < width; x += MACROBLOCK) {
    for (let y0 = 0; y0 + MACROBLOCK <= height; y0 += MACROBLOCK) {
      segments++;
      if (isBrokenSegment(data, y0 * width + x, 1, width)) broken++;
    }
  }
  return segments > 0 ? broken / segments : 0;
}

/**
 * `first` is the pixel just past the edge; `across` steps over the edge, `along` runs down the segment. The step
 * over the edge is compared with the mean of the steps one pixel before and one pixel after it.
 */
function isBrokenSegment(data: Uint8Array, first: number, across: number, along: number): boolean {
  let edge = 0;
  let beside = 0;
  for (let k = 0, i = first; k < MACROBLOCK; k++, i += along) {
    const before2 = data[i - 2 * across] as number;
    const before = data[i - across] as number;
    const after = data[i] as number;
    const after2 = data[i + across] as number;
    edge += Math.abs(after - before);
    beside += Math.abs(before - before2) + Math.abs(after2 - after);
  }
  return edge / MACROBLOCK > (BROKEN_STEP_RATIO * beside) / (2 * MACROBLOCK) + BROKEN_STEP_MARGIN;
}
