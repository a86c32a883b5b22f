/**
 * The pure-JS block measure that blocking-measure.ts used before the WebAssembly kernel: kept as the reference
 * the kernel must match exactly (test/unit/detectors/blocking-kernel.test.ts). Plain and slow on purpose.
 */
import type { LumaPlane } from "../../core-service/src/detectors/blocking-measure.ts";

export interface ReferenceStepProfiles {
  /** Sum of step weights between column x and x+1, over the rows with y % step == 0. */
  readonly columns: Float64Array;
  /** Sum of step weights between row y and y+1, over the columns with x % step == 0. */
  readonly rows: Float64Array;
}

/** Weight of a signed step (index = step + 255): its size, or 0 for a scene edge. */
function stepWeights(edgeCeiling: number): Uint8Array {
  const table = new Uint8Array(511);
  for (let step = -255; step <= 255; step++) {
    const size = Math.abs(step);
    table[step + 255] = size <= edgeCeiling ? size : 0;
  }
  return table;
}

export function referenceStepProfiles(
  plane: LumaPlane,
  sampleStep: number,
  edgeCeiling: number,
): ReferenceStepProfiles {
  const { width, height, data } = plane;
  const step = Math.max(1, Math.floor(sampleStep));
  const weights = stepWeights(edgeCeiling);
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

const MACROBLOCK = 16;
const BROKEN_STEP_RATIO = 3;
const BROKEN_STEP_MARGIN = 4;

export interface SegmentCounts {
  readonly broken: number;
  readonly segments: number;
}

/**
 * Every `segment`-pixel segment of the edges every `period` pixels from `first` (16, 16, 16: the macroblock
 * edges), horizontal edges first, as the float test decides it.
 */
export function referenceBrokenSegments(
  plane: LumaPlane,
  period = MACROBLOCK,
  first = MACROBLOCK,
  segment = MACROBLOCK,
): SegmentCounts {
  const { width, height, data } = plane;
  let broken = 0;
  let segments = 0;
  for (let y = first; y + 1 < height; y += period) {
    for (let x0 = 0; x0 + segment <= width; x0 += segment) {
      segments++;
      if (isBrokenSegment(data, y * width + x0, width, 1, segment)) broken++;
    }
  }
  for (let y0 = 0; y0 + segment <= height; y0 += segment) {
    for (let x = first; x + 1 < width; x += period) {
      segments++;
      if (isBrokenSegment(data, y0 * width + x, 1, width, segment)) broken++;
    }
  }
  return { broken, segments };
}

export function referenceBrokenMacroblockEdges(plane: LumaPlane): number {
  const { broken, segments } = referenceBrokenSegments(plane);
  return segments > 0 ? broken / segments : 0;
}

function isBrokenSegment(
  data: Uint8Array,
  first: number,
  across: number,
  along: number,
  length: number,
): boolean {
  let edge = 0;
  let beside = 0;
  for (let k = 0, i = first; k < length; k++, i += along) {
    const before2 = data[i - 2 * across] as number;
    const before = data[i - across] as number;
    const after = data[i] as number;
    const after2 = data[i + across] as number;
    edge += Math.abs(after - before);
    beside += Math.abs(before - before2) + Math.abs(after2 - after);
  }
  return edge / length > (BROKEN_STEP_RATIO * beside) / (2 * length) + BROKEN_STEP_MARGIN;
}

export interface TerraceCounts {
  readonly terraces: number;
  readonly pairs: number;
  readonly sideBySide: { readonly terraces: number; readonly pairs: number };
}

/**
 * Blocks of `block` pixels from (offset, offset); each block's core (its central square of half its side)
 * gives a mean and a range; neighbours (left-right, top-bottom) whose means differ by at least 3 levels and by
 * more than both ranges plus one are a terrace.
 */
export function referenceTerraces(plane: LumaPlane, block: number, offset: number): TerraceCounts {
  const { width, height, data } = plane;
  const core = block / 2;
  const inset = block / 4;
  const columns = offset < width ? Math.floor((width - offset) / block) : 0;
  const rows = offset < height ? Math.floor((height - offset) / block) : 0;
  const cores: { mean: number; range: number }[] = [];
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      let sum = 0;
      let min = 255;
      let max = 0;
      for (let y = 0; y < core; y++) {
        for (let x = 0; x < core; x++) {
          const value = data[
            (offset + j * block + inset + y) * width + offset + i * block + inset + x
          ] as number;
          sum += value;
          min = Math.min(min, value);
          max = Math.max(max, value);
        }
      }
      cores.push({ mean: sum / (core * core), range: max - min });
    }
  }
  let terraces = 0;
  let pairs = 0;
  const sideBySide = { terraces: 0, pairs: 0 };
  const isTerrace = (a: { mean: number; range: number }, b: { mean: number; range: number }) => {
    const difference = Math.abs(a.mean - b.mean);
    return difference >= 3 && difference > a.range + b.range + 1;
  };
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const here = cores[j * columns + i] as { mean: number; range: number };
      if (i > 0) {
        pairs++;
        sideBySide.pairs++;
        if (isTerrace(here, cores[j * columns + i - 1] as { mean: number; range: number })) {
          terraces++;
          sideBySide.terraces++;
        }
      }
      if (j > 0) {
        pairs++;
        if (isTerrace(here, cores[(j - 1) * columns + i] as { mean: number; range: number })) terraces++;
      }
    }
  }
  return { terraces, pairs, sideBySide };
}
