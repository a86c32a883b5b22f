import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  blockEdgeSegments,
  blockTerraces,
  brokenSegments,
  measurePlane,
  planeSurface,
  stepProfiles,
} from "../../../core-service/src/detectors/blocking-kernel.ts";
import { brokenMacroblockEdges } from "../../../core-service/src/detectors/blocking-measure.ts";
import { KERNEL_MODULE_TS, renderKernelModule } from "../../../scripts/build-wasm.ts";
import {
  referenceBrokenMacroblockEdges,
  referenceBrokenSegments,
  referenceStepProfiles,
  referenceTerraces,
} from "../../support/blocking-measure-reference.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import {
  brickWall,
  checkerboard,
  concealedSlices,
  downscale,
  drawn,
  type Plane,
  quantiseBlocks,
  texturedScene,
} from "./blockiness-pictures.ts";

const STEPS = [1, 2, 3, 4, 16];
const CEILINGS = [1, 64, 255];

/** Mostly small steps around one level (so every ceiling matters), one pixel in five anywhere in 0..255. */
function randomPlane(width: number, height: number, seed: number): Plane {
  const random = seededRandom(seed);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    data[i] = random() < 0.8 ? 120 + Math.floor(random() * 3) : Math.floor(random() * 256);
  }
  return { width, height, data };
}

/**
 * Flat 16x16 macroblocks a few levels apart, with a level of noise and rare outliers: their edges straddle the
 * broken-segment threshold, so both verdicts occur (uniform noise would break no segment at all).
 */
function randomMosaic(width: number, height: number, seed: number): Plane {
  const random = seededRandom(seed);
  const columnsOfBlocks = Math.ceil(width / 16);
  const levels = Array.from({ length: columnsOfBlocks * Math.ceil(height / 16) }, () => 100 + random() * 10);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const level = levels[Math.floor(y / 16) * columnsOfBlocks + Math.floor(x / 16)] as number;
      data[y * width + x] = random() < 0.002 ? Math.floor(random() * 256) : Math.floor(level + random() * 2);
    }
  }
  return { width, height, data };
}

function expectSameProfiles(plane: Plane, step: number, ceiling: number): void {
  const kernel = stepProfiles(plane, step, ceiling);
  const reference = referenceStepProfiles(plane, step, ceiling);
  const where = `${plane.width}x${plane.height}, step ${step}, ceiling ${ceiling}`;
  expect(Array.from(kernel.columns), `columns of ${where}`).toEqual(Array.from(reference.columns));
  expect(Array.from(kernel.rows), `rows of ${where}`).toEqual(Array.from(reference.rows));
}

function expectSameSegments(plane: Plane): void {
  expect(brokenSegments(plane)).toEqual(referenceBrokenSegments(plane));
  expect(blockEdgeSegments(plane)).toEqual({
    onGrid: referenceBrokenSegments(plane, 8, 8, 8),
    offGrid: referenceBrokenSegments(plane, 8, 4, 8),
  });
}

function expectSameTerraces(plane: Plane): void {
  for (const block of [8, 16] as const) {
    expect(blockTerraces(plane, block), `${block}-pixel blocks of ${plane.width}x${plane.height}`).toEqual({
      onGrid: referenceTerraces(plane, block, 0),
      offGrid: referenceTerraces(plane, block, block / 2),
    });
  }
}

/** A picture of exactly `shade(x, y)`, without the noise drawn() adds, for cases that hinge on one level. */
function exact(width: number, height: number, shade: (x: number, y: number) => number): Plane {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = shade(x, y);
  return { width, height, data };
}

describe("blocking kernel", () => {
  // 25: an odd number of 8-pixel segments a row, the last alone in its vector.
  const widths = [1, 2, 15, 16, 17, 25, 33, 1921];
  const heights = [1, 2, 17, 1080];
  const sizes = widths.flatMap((width) => heights.map((height) => [width, height] as const));

  it.each(sizes)(
    "matches the reference step profiles on a random %ix%i plane for every step and ceiling",
    (width, height) => {
      const plane = randomPlane(width, height, width * 7919 + height);
      for (const step of STEPS) {
        for (const ceiling of CEILINGS) expectSameProfiles(plane, step, ceiling);
      }
    },
  );

  it.each(sizes)(
    "counts the same broken macroblock edge segments as the reference on a random %ix%i plane",
    (width, height) => {
      const mosaic = randomMosaic(width, height, width * 104_729 + height);
      expectSameSegments(mosaic);
      expectSameSegments(randomPlane(width, height, width * 7919 + height));
    },
  );

  it.each(sizes)(
    "finds the same terraces as the reference on a random %ix%i mosaic and plane",
    (width, height) => {
      expectSameTerraces(randomMosaic(width, height, width * 31 + height));
      expectSameTerraces(randomPlane(width, height, width * 7919 + height));
    },
  );

  it("counts terraces of flat blocks at different levels on the grid only, and a ramp on and off it alike", () => {
    // Flat 8x8 blocks at levels 4 apart: every neighbour pair on the grid is a terrace, none halfway between.
    const staircase = exact(64, 64, (x, y) => 100 + 4 * ((Math.floor(x / 8) + Math.floor(y / 8)) % 3));
    // A ramp steep enough (a level a pixel) for its cores to differ by more than their ranges, wherever they lie.
    const ramp = blockTerraces(
      exact(64, 64, (x) => 60 + x),
      8,
    );

    const steps = blockTerraces(staircase, 8);
    expect(steps.onGrid).toEqual({ terraces: 112, pairs: 112, sideBySide: { terraces: 56, pairs: 56 } });
    expect(steps.offGrid.terraces).toBe(0);
    expect(ramp.onGrid.terraces / ramp.onGrid.pairs).toBe(ramp.offGrid.terraces / ramp.offGrid.pairs);
    expect(blockTerraces(randomPlane(64, 64, 3), 8).onGrid.terraces).toBe(0);
    expectSameTerraces(staircase);
  });

  it("matches the reference on the structured test pictures, with and without sampling", () => {
    const scene = texturedScene(320, 184);
    const pictures = [
      scene,
      quantiseBlocks(scene, { x0: 80, y0: 40, x1: 240, y1: 144 }, 0.3),
      quantiseBlocks(scene, { x0: 0, y0: 0, x1: 320, y1: 184 }, 0.3, 3, 5),
      downscale(scene, 0.75),
      drawn(320, 184, checkerboard(4, 100, 140)),
      drawn(320, 184, checkerboard(8, 16, 235)),
      drawn(320, 184, brickWall),
      concealedSlices(scene, [3, 4, 8], 30),
    ];
    for (const picture of pictures) {
      for (const step of [1, 2, 3]) expectSameProfiles(picture, step, 64);
      expectSameSegments(picture);
      expectSameTerraces(picture);
    }
  });

  it("finds the broken edges of concealed macroblock rows, as the reference does", () => {
    const damaged = concealedSlices(texturedScene(320, 184), [3, 4, 8], 30);

    // 4 damaged edges of 20 segments each, among 11 × 20 + 19 × 11 segments.
    expect(brokenSegments(damaged)).toEqual({ broken: 80, segments: 429 });
    expect(brokenMacroblockEdges(damaged)).toBe(referenceBrokenMacroblockEdges(damaged));
  });

  it("sums full-range 0/255 steps of a 4K frame at every row and column without overflow", () => {
    const columnStripes = exact(3840, 2160, (x) => (x % 2 === 0 ? 0 : 255));
    const rowStripes = exact(3840, 2160, (_x, y) => (y % 2 === 0 ? 0 : 255));

    const acrossColumns = stepProfiles(columnStripes, 1, 255);
    const acrossRows = stepProfiles(rowStripes, 1, 255);

    expect(new Set(acrossColumns.columns)).toEqual(new Set([255 * 2160]));
    expect(new Set(acrossColumns.rows)).toEqual(new Set([0]));
    expect(new Set(acrossRows.rows)).toEqual(new Set([255 * 3840]));
    expect(new Set(acrossRows.columns)).toEqual(new Set([0]));
    const pixelChecks = exact(1921, 1080, checkerboard(1, 0, 255));
    expectSameProfiles(pixelChecks, 1, 255);
    expectSameProfiles(pixelChecks, 3, 254);
  });

  it("leaves a segment exactly at the broken threshold unbroken and breaks one a level above it", () => {
    // A flat 4-level step: edge/16 = 4 = 0 + 4, equal, so not broken; 5 levels is. Each picture has one
    // horizontal and one vertical macroblock edge of two segments.
    const cases = [
      { rise: 4, broken: 0 },
      { rise: 5, broken: 2 },
    ];
    for (const { rise, broken } of cases) {
      const acrossRows = exact(32, 32, (_x, y) => (y < 16 ? 100 : 100 + rise));
      const acrossColumns = exact(32, 32, (x) => (x < 16 ? 100 : 100 + rise));

      expect(brokenSegments(acrossRows)).toEqual({ broken, segments: 4 });
      expect(brokenSegments(acrossColumns)).toEqual({ broken, segments: 4 });
      expectSameSegments(acrossRows);
      expectSameSegments(acrossColumns);
    }
  });

  it("holds the threshold where the steps beside the edge count too (2·edge = 3·beside + 128)", () => {
    // Columns 14 | 15 ‖ 16 | 17 at 100, 101 ‖ 108, 109 (+ `extra` past the edge): edge 7 + extra, beside 1 + 1
    // a row, so 2·16·7 = 224 = 3·32 + 128 exactly at extra 0.
    for (const [extra, broken] of [
      [0, 0],
      [1, 2],
    ] as const) {
      const shade = (t: number) => (t <= 14 ? 100 : t === 15 ? 101 : t === 16 ? 108 + extra : 109 + extra);
      const vertical = exact(32, 32, (x) => shade(x));
      const horizontal = exact(32, 32, (_x, y) => shade(y));

      expect(brokenSegments(vertical).broken).toBe(broken);
      expect(brokenSegments(horizontal).broken).toBe(broken);
      expectSameSegments(vertical);
      expectSameSegments(horizontal);
    }
  });

  it("keeps earlier results when a later, larger frame grows the kernel's memory", () => {
    const small = randomPlane(64, 48, 1);
    const first = measurePlane(small, 2, 64);
    const columnsBefore = Array.from(first.profiles.columns);

    measurePlane(randomPlane(2000, 1200, 2), 2, 64);

    expect(Array.from(first.profiles.columns)).toEqual(columnsBefore);
    expect(Array.from(measurePlane(small, 2, 64).profiles.columns)).toEqual(columnsBefore);
  });

  it("reads only width × height bytes of a larger buffer and refuses a buffer too short for the size", () => {
    const plane = randomPlane(40, 30, 5);
    const padded = { width: 40, height: 30, data: new Uint8Array(40 * 30 + 100).fill(255) };
    padded.data.set(plane.data);

    expect(Array.from(stepProfiles(padded, 1, 64).rows)).toEqual(Array.from(stepProfiles(plane, 1, 64).rows));
    expect(() => stepProfiles({ width: 40, height: 31, data: plane.data }, 1, 64)).toThrow(RangeError);
  });

  it("measures a limited-range plane as the same plane stretched to full range, for every code 0..255", () => {
    // Every code next to every other (a ramp with wrap-around), at a width that leaves a vector tail.
    const limited = exact(257, 40, (x, y) => (x * 7 + y * 13) % 256);
    // swscale's limited → full stretch for gray output (what `format=gray` gives), clamped to 0..255.
    const stretched = {
      ...limited,
      data: limited.data.map((code) => Math.min(255, Math.max(0, Math.round(((code - 16) * 255) / 219)))),
    };
    const kernel = measurePlane({ ...limited, range: "limited" }, 1, 255);
    const reference = referenceStepProfiles(stretched, 1, 255);
    expect(Array.from(kernel.profiles.columns)).toEqual(Array.from(reference.columns));
    expect(Array.from(kernel.profiles.rows)).toEqual(Array.from(reference.rows));
    expect(kernel.segments).toEqual(referenceBrokenSegments(stretched));
    // A full-range plane is measured as it is.
    expect(Array.from(measurePlane({ ...limited, range: "full" }, 1, 255).profiles.rows)).toEqual(
      Array.from(referenceStepProfiles(limited, 1, 255).rows),
    );
  });

  it("measures the surface (grey share, spread) of every third row exactly, before any stretch", () => {
    // Grey around 124..132 and its edges (123, 133), at widths with and without a vector tail.
    for (const width of [1, 15, 16, 17, 1921]) {
      const plane = exact(
        width,
        31,
        (x, y) => [123, 124, 128, 132, 133, 16, 235][(x * 5 + y * 3) % 7] as number,
      );
      let grey = 0;
      let sum = 0;
      let squares = 0;
      let count = 0;
      for (let y = 0; y < plane.height; y += 3)
        for (let x = 0; x < width; x++) {
          const luma = plane.data[y * width + x] as number;
          if (luma >= 124 && luma <= 132) grey++;
          sum += luma;
          squares += luma * luma;
          count++;
        }
      const mean = sum / count;
      const expected = { greyShare: grey / count, spread: Math.sqrt(squares / count - mean * mean) };
      const surface = planeSurface(plane);
      expect(surface.greyShare).toBe(expected.greyShare);
      expect(surface.spread).toBeCloseTo(expected.spread, 9);
      // The block measure stretches a limited-range plane; its surface is still of the codes as decoded.
      expect(measurePlane({ ...plane, range: "limited" }, 1, 64).surface).toEqual(surface);
    }
  });

  it("sums the surface of an 8192-pixel-wide white picture without overflow", () => {
    const white = exact(8192, 4, () => 255);
    expect(planeSurface(white)).toEqual({ greyShare: 0, spread: 0 });
  });

  it("is assembled from the committed .wat (run `npm run wasm` after editing it)", async () => {
    expect(await readFile(KERNEL_MODULE_TS, "utf8")).toBe(await renderKernelModule());
  });
});
