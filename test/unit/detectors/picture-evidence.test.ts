import { describe, expect, it } from "vitest";
import { planeSurface as surface } from "../../../core-service/src/detectors/blocking-kernel.ts";

/** A 320×180 luma plane from a function of position. */
function plane(luma: (x: number, y: number) => number) {
  const width = 320;
  const height = 180;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = luma(x, y);
  return { width, height, data };
}

/** Deterministic coding-noise-like jitter in [-1, 1]. */
const jitter = (x: number, y: number) => ((x * 7 + y * 13) % 3) - 1;

describe("picture surface (what a picture can tell the block baselines)", () => {
  it("finds black with coding noise flat, so a black stretch teaches no baseline", () => {
    expect(surface(plane((x, y) => 16 + jitter(x, y))).spread).toBeLessThan(2);
  });

  it("finds a dark night scene, smooth footage and a test pattern not flat", () => {
    const night = plane((x, y) => 20 + Math.round(12 * Math.sin(x / 9) * Math.cos(y / 7)) + jitter(x, y));
    const smooth = plane((x, y) => 60 + Math.round((x + y) / 4));
    const bars = plane((x) => [235, 210, 170, 145, 106, 81, 41, 16][Math.floor(x / 40)] as number);
    for (const picture of [night, smooth, bars]) expect(surface(picture).spread).toBeGreaterThan(2);
  });

  it("measures the share of mid-grey a lost reference leaves", () => {
    const halfGrey = plane((x) => (x < 160 ? 128 : 40));
    expect(surface(halfGrey).greyShare).toBeCloseTo(0.5, 2);
  });
});
