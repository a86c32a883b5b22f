import { describe, expect, it } from "vitest";
import { measureBlocking } from "../../../core-service/src/detectors/blocking-measure.ts";
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

const WIDTH = 320;
const HEIGHT = 184;
const WHOLE = { x0: 0, y0: 0, x1: WIDTH, y1: HEIGHT };
// The detector's default bar (BlockinessOptions.gridThreshold).
const BAR = 0.3;

const measure = (plane: Plane) => measureBlocking(plane, { edgeCeiling: 64, sampleStep: 2 });

describe("measureBlocking", () => {
  it("finds an 8x8 grid where blocks were quantised over part of a textured picture", () => {
    const scene = texturedScene(WIDTH, HEIGHT);
    const blocky = quantiseBlocks(scene, { x0: 80, y0: 40, x1: 240, y1: 144 }, 0.3);

    const result = measure(blocky);

    expect(result.grid).toBeGreaterThan(BAR);
    expect(result.acrossColumns.phase % 8).toBe(7);
    expect(result.acrossRows.phase % 8).toBe(7);
  });

  it("scores the same textured pictures without quantisation far below the bar", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(measure(texturedScene(WIDTH, HEIGHT, seed)).grid).toBeLessThan(BAR / 5);
    }
  });

  it("grows with the detail the encoder threw away", () => {
    const scene = texturedScene(WIDTH, HEIGHT);
    const scores = [0.9, 0.7, 0.5, 0.3].map((kept) => measure(quantiseBlocks(scene, WHOLE, kept)).grid);

    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(scores[0]).toBeLessThan(BAR);
    expect(scores[3]).toBeGreaterThan(5 * BAR);
  });

  it("follows a grid shifted by cropping to the phase where its boundaries are", () => {
    const shifted = quantiseBlocks(texturedScene(WIDTH, HEIGHT), WHOLE, 0.3, 3, 5);

    const result = measure(shifted);

    expect(result.grid).toBeGreaterThan(BAR);
    expect(result.acrossColumns.phase % 8).toBe(2);
    expect(result.acrossRows.phase % 8).toBe(4);
  });

  it("no longer sees the grid once the picture is scaled, which is why it needs native resolution", () => {
    const blocky = quantiseBlocks(texturedScene(WIDTH, HEIGHT), WHOLE, 0.3);

    expect(measure(blocky).grid).toBeGreaterThan(BAR);
    expect(measure(downscale(blocky, 0.75)).grid).toBeLessThan(BAR / 3);
    expect(measure(downscale(blocky, 0.5)).grid).toBeLessThan(BAR / 3);
  });

  it("ignores a checkerboard of period 8, whose two edges per period cancel out", () => {
    expect(measure(drawn(WIDTH, HEIGHT, checkerboard(4, 100, 140))).grid).toBeLessThan(BAR / 10);
  });

  it("ignores a black-and-white 8-pixel checkerboard, its steps being scene edges", () => {
    expect(measure(drawn(WIDTH, HEIGHT, checkerboard(8, 16, 235))).grid).toBeLessThan(BAR / 10);
  });

  it("cannot tell a low-contrast 8-pixel checkerboard from a block grid (a documented limit)", () => {
    expect(measure(drawn(WIDTH, HEIGHT, checkerboard(8, 100, 130))).grid).toBeGreaterThan(BAR);
  });

  it("leaves a brick wall with thin mortar lines on the 8-pixel grid, a smooth gradient and a dark scene alone", () => {
    expect(measure(drawn(WIDTH, HEIGHT, brickWall)).grid).toBeLessThan(BAR / 5);
    expect(measure(drawn(WIDTH, HEIGHT, (x, y) => 30 + x * 0.5 + y * 0.3)).grid).toBeLessThan(BAR / 5);
    expect(measure(texturedScene(WIDTH, HEIGHT, 4, 25)).grid).toBeLessThan(BAR / 5);
  });

  it("leaves a few long low-contrast panel edges on 8-pixel boundaries alone, as a coding grid lifts them all", () => {
    // Flat panels like a test pattern's: 3 vertical and 2 horizontal edges, each on a block boundary.
    const panelsBefore = (edges: readonly number[], at: number) => edges.filter((e) => e <= at).length;
    const panels = drawn(
      WIDTH,
      HEIGHT,
      (x, y) => 70 + 25 * panelsBefore([48, 136, 200], x) + 20 * panelsBefore([40, 104], y),
    );

    expect(measure(panels).grid).toBeLessThan(BAR / 3);
  });

  it("counts the edges of concealed macroblock rows as broken without seeing a grid", () => {
    const scene = texturedScene(WIDTH, HEIGHT);
    const damaged = concealedSlices(scene, [3, 4, 8], 30);

    const result = measure(damaged);

    expect(measure(scene).brokenMacroblockEdges).toBeLessThan(0.002);
    // 4 damaged edges of 20 segments each, among 11 × 20 + 19 × 11 segments.
    expect(result.brokenMacroblockEdges).toBeCloseTo(80 / 429, 2);
    expect(result.grid).toBeLessThan(BAR / 5);
    expect(result.brokenOffGridEdges).toBe(0);
  });

  it("breaks lines off the grid as often as macroblock edges in a picture of fine sharp detail", () => {
    // Small bright rectangles scattered at random, like the strokes of small text: on and off the grid alike.
    const random = seededRandom(5);
    const marks = Array.from({ length: 600 }, () => ({
      x: Math.floor(random() * WIDTH),
      y: Math.floor(random() * HEIGHT),
      w: 2 + Math.floor(random() * 6),
      h: 2 + Math.floor(random() * 6),
    }));
    const inMark = (x: number, y: number) =>
      marks.some((m) => x >= m.x && x < m.x + m.w && y >= m.y && y < m.y + m.h);
    const strokes = drawn(WIDTH, HEIGHT, (x, y) => (inMark(x, y) ? 110 : 60));

    const result = measure(strokes);

    expect(result.brokenMacroblockEdges).toBeGreaterThan(0.1);
    expect(result.brokenOffGridEdges).toBeGreaterThan(result.brokenMacroblockEdges / 3);
  });

  it("gives the same verdict whether every row or every second row is read", () => {
    const blocky = quantiseBlocks(texturedScene(WIDTH, HEIGHT), WHOLE, 0.5);

    const full = measureBlocking(blocky, { edgeCeiling: 64, sampleStep: 1 }).grid;
    const sampled = measure(blocky).grid;

    expect(Math.abs(full - sampled) / full).toBeLessThan(0.1);
  });
});
