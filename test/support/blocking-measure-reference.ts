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

/** Every 16-pixel segment of every macroblock edge, horizontal edges first, as the float test decides it. */
export function referenceBrokenSegments(plane: LumaPlane): SegmentCounts {
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
  return { broken, segments };
}

export function referenceBrokenMacroblockEdges(plane: LumaPlane): number {
  const { broken, segments } = referenceBrokenSegments(plane);
  return segments > 0 ? broken / segments : 0;
}

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
