import { describe, expect, it } from "vitest";
import {
  BlackOptions,
  type BlackOptionsInput,
  createBlackDetector,
} from "../../../core-service/src/detectors/black.ts";
import {
  createFreezeDetector,
  FreezeOptions,
  type FreezeOptionsInput,
} from "../../../core-service/src/detectors/freeze.ts";
import { stillPictureMeters } from "../../../core-service/src/detectors/still-pictures.ts";
import type { AnalysisFrameDetector, LumaFrame } from "../../../core-service/src/detectors/types.ts";
import type { Defect } from "../../../core-service/src/domain/defect.ts";
import { seededRandom } from "../../support/seeded-random.ts";

const WIDTH = 320;
const HEIGHT = 180;
const FPS = 25;

/** A picture drawn from its frame number. */
type Picture = (frame: number) => Uint8Array;

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const rng = seededRandom(17);
/** A textured programme picture, the same every time (a frozen programme). */
const STILL = Uint8Array.from(
  { length: WIDTH * HEIGHT },
  (_, i) => 40 + ((i * 7919) % 151) + Math.floor(rng() * 20),
);

/** Fills `box` with a texture that moves `speed` px a frame to the left (a ticker) or changes every frame. */
function paint(data: Uint8Array, box: Box, frame: number, speed: number, base = 60): void {
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const u = x + frame * speed;
      data[y * WIDTH + x] = base + ((u * 13 + y * 5 + ((u >> 3) % 7) * 23) % 150);
    }
  }
}

const withOverlay =
  (programme: Picture, box: Box, speed: number): Picture =>
  (frame) => {
    const data = programme(frame).slice();
    paint(data, box, frame, speed);
    return data;
  };

const black: Picture = () => new Uint8Array(WIDTH * HEIGHT).fill(16);
const frozen: Picture = () => STILL;
/** The programme panning 2 px a frame. */
const moving: Picture = (frame) => {
  const data = new Uint8Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++)
    for (let x = 0; x < WIDTH; x++)
      data[y * WIDTH + x] = STILL[y * WIDTH + ((x + 2 * frame) % WIDTH)] as number;
  return data;
};
/** A still shot with fresh camera noise (sigma ≈ 2 codes) on every frame. */
const noisyStill: Picture = () => {
  const noise = seededRandom(Math.floor(rng() * 1e9));
  return STILL.map((v) =>
    Math.min(255, Math.max(0, v + Math.round((noise() + noise() + noise() - 1.5) * 3))),
  );
};

/** A static logo of 5 % of the picture in the top-right corner (72 × 40 px). */
const LOGO: Box = { x: 236, y: 8, width: 72, height: 40 };
/** A clock in the bottom-left corner, its face changing every frame. */
const CLOCK: Box = { x: 12, y: 150, width: 48, height: 20 };
/** A ticker across the bottom, 10 % of the picture high, scrolling 3 px a frame. */
const TICKER: Box = { x: 0, y: 158, width: WIDTH, height: 18 };

/** Rolling credits, already under way: centred lines of text crossing the picture upwards, 1 px a frame, over black. */
const credits: Picture = (frame) => {
  const data = black(frame);
  for (let line = 0; line < 40; line++) {
    const top = line * 22 - frame;
    if (top < -8 || top >= HEIGHT) continue;
    const box = { x: 100, y: Math.max(0, top), width: 120, height: Math.min(8, HEIGHT - Math.max(0, top)) };
    paint(data, box, 0, 0, 120);
  }
  return data;
};

function run(detector: AnalysisFrameDetector, segments: readonly [number, Picture][]): Defect[] {
  const closed: Defect[] = [];
  let index = 0;
  for (const [seconds, picture] of segments) {
    for (let i = 0; i < seconds * FPS; i++, index++) {
      const frame: LumaFrame = {
        index,
        time: index / FPS,
        width: WIDTH,
        height: HEIGHT,
        data: picture(index),
        range: "limited",
      };
      for (const event of detector.push(frame)) if (event.kind === "close") closed.push(event.defect);
    }
  }
  for (const event of detector.flush(index / FPS)) if (event.kind === "close") closed.push(event.defect);
  return closed;
}

const blackDetector = (options: BlackOptionsInput = {}) => createBlackDetector(BlackOptions.parse(options));
const freezeDetector = (options: FreezeOptionsInput = {}, blackOptions: BlackOptionsInput = {}) =>
  createFreezeDetector(FreezeOptions.parse(options), stillPictureMeters(BlackOptions.parse(blackOptions)));

describe("black under overlays", () => {
  it("reports a black programme under a static logo of 5 % of the picture as black, saying how much it looked past", () => {
    const defects = run(blackDetector(), [
      [1, withOverlay(moving, LOGO, 0)],
      [3, withOverlay(black, LOGO, 0)],
      [1, withOverlay(moving, LOGO, 0)],
    ]);

    expect(defects).toEqual([expect.objectContaining({ type: "black", start: 1, end: 4 })]);
    expect(defects[0]?.metrics.overlayFraction).toBeGreaterThan(0.04);
    expect(defects[0]?.metrics.overlayFraction).toBeLessThanOrEqual(0.08);
    expect(defects[0]?.metrics.blackFraction).toBe(1);
  });

  it("reports black under a running clock in a corner", () => {
    const defects = run(blackDetector(), [[3, withOverlay(black, CLOCK, 4)]]);

    expect(defects).toEqual([expect.objectContaining({ type: "black", start: 0, end: 3 })]);
  });

  it("does not call end credits rolling over black black", () => {
    expect(run(blackDetector(), [[8, credits]])).toEqual([]);
  });

  it("does not look past a lit patch in the middle band, nor an overlay larger than overlayShare", () => {
    const middle: Box = { x: 124, y: 70, width: 72, height: 40 };
    const large: Box = { x: 180, y: 0, width: 140, height: 40 };

    expect(run(blackDetector(), [[3, withOverlay(black, middle, 0)]])).toEqual([]);
    expect(run(blackDetector(), [[3, withOverlay(black, large, 0)]])).toEqual([]);
  });

  it("ignores what a mask covers, wherever it is", () => {
    const middle: Box = { x: 124, y: 70, width: 72, height: 40 };
    const masks = [{ x: 0.35, y: 0.35, width: 0.3, height: 0.3 }];

    const defects = run(blackDetector({ masks }), [[3, withOverlay(black, middle, 0)]]);

    expect(defects).toEqual([expect.objectContaining({ type: "black", start: 0, end: 3 })]);
  });

  it("rejects a mask reaching outside the picture, naming the problem", () => {
    const result = BlackOptions.safeParse({ masks: [{ x: 0.9, y: 0, width: 0.2, height: 0.1 }] });

    expect(result.success).toBe(false);
    expect(result.error?.message).toContain("inside the picture");
  });
});

describe("freeze under overlays", () => {
  it("reports a frozen programme under a running clock as frozen", () => {
    const defects = run(freezeDetector(), [
      [1, withOverlay(moving, CLOCK, 4)],
      [3, withOverlay(frozen, CLOCK, 4)],
      [1, withOverlay((f) => moving(f + 7), CLOCK, 4)],
    ]);

    expect(defects).toHaveLength(1);
    expect(defects[0]).toMatchObject({ type: "freeze" });
    expect(Math.abs((defects[0]?.start ?? 0) - 1)).toBeLessThanOrEqual(1 / FPS);
    expect(Math.abs((defects[0]?.end ?? 0) - 4)).toBeLessThanOrEqual(1 / FPS);
  });

  it("reports a frozen programme under a scrolling ticker of 10 % of the picture as frozen", () => {
    const defects = run(freezeDetector(), [
      [1, withOverlay(moving, TICKER, 3)],
      [4, withOverlay(frozen, TICKER, 3)],
    ]);

    expect(defects).toEqual([expect.objectContaining({ type: "freeze", start: 1, end: 5 })]);
  });

  it("does not report a moving programme under a ticker, nor a noisy static shot under one", () => {
    expect(run(freezeDetector(), [[6, withOverlay(moving, TICKER, 3)]])).toEqual([]);
    expect(run(freezeDetector(), [[6, withOverlay(noisyStill, TICKER, 3)]])).toEqual([]);
  });

  it("does not look past a small moving region in the middle band of a still picture", () => {
    const middle: Box = { x: 130, y: 70, width: 60, height: 40 };

    expect(run(freezeDetector(), [[6, withOverlay(frozen, middle, 2)]])).toEqual([]);
  });

  it("reports the freeze when a mask covers a changing region no rule can guess", () => {
    const middle: Box = { x: 130, y: 70, width: 60, height: 40 };
    const masks = [{ x: 0.38, y: 0.36, width: 0.24, height: 0.3 }];

    const defects = run(freezeDetector({ masks }), [
      [1, withOverlay(moving, middle, 2)],
      [3, withOverlay(frozen, middle, 2)],
    ]);

    expect(defects).toEqual([expect.objectContaining({ type: "freeze", start: 1, end: 4 })]);
  });

  it("leaves black under a logo to the black detector", () => {
    expect(run(freezeDetector(), [[4, withOverlay(black, LOGO, 0)]])).toEqual([]);
  });
});
