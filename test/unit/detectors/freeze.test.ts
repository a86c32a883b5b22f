import { describe, expect, it } from "vitest";
import { BlackOptions } from "../../../core-service/src/detectors/black.ts";
import {
  BlockGrid,
  createFreezeDetector,
  FreezeOptions,
  type FreezeOptionsInput,
  overlayTolerantDifference,
} from "../../../core-service/src/detectors/freeze.ts";
import { BlockRegions } from "../../../core-service/src/detectors/picture-regions.ts";
import { stillPictureMeters } from "../../../core-service/src/detectors/still-pictures.ts";
import type { DetectorEvent, LumaFrame } from "../../../core-service/src/detectors/types.ts";
import { seededRandom } from "../../support/seeded-random.ts";

const WIDTH = 320;
const HEIGHT = 180;
const FPS = 25;
const PIXELS = WIDTH * HEIGHT;

const random = seededRandom;

/** Approximately normal with unit variance: the sum of four uniforms, rescaled. */
function gaussian(rng: () => number): number {
  return (rng() + rng() + rng() + rng() - 2) * Math.sqrt(3);
}

/**
 * A wide scene of soft random texture (uniform noise blurred twice with a 5-pixel box), so that sub-pixel pans
 * change the picture smoothly, as camera footage does.
 */
function makeScene(seed: number, width = WIDTH + 400): { width: number; texture: Float32Array } {
  const rng = random(seed);
  let texture = Float32Array.from({ length: width * HEIGHT }, () => 40 + rng() * 170);
  for (let pass = 0; pass < 2; pass++) {
    const blurred = new Float32Array(texture.length);
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= HEIGHT || xx < 0 || xx >= width) continue;
            sum += texture[yy * width + xx] as number;
            n++;
          }
        }
        blurred[y * width + x] = sum / n;
      }
    }
    texture = blurred;
  }
  // Blurring flattens the texture; stretch it back to a realistic contrast around mid-grey.
  for (let i = 0; i < texture.length; i++) texture[i] = 128 + ((texture[i] as number) - 125) * 4;
  return { width, texture };
}

type Scene = ReturnType<typeof makeScene>;

/** The scene seen through the analysis window at horizontal offset `pan` (pixels, fractional), as floats. */
function view(scene: Scene, pan: number, gain = 1): Float32Array {
  const out = new Float32Array(PIXELS);
  const whole = Math.floor(pan);
  const fraction = pan - whole;
  for (let y = 0; y < HEIGHT; y++) {
    const row = y * scene.width + whole;
    for (let x = 0; x < WIDTH; x++) {
      const left = scene.texture[row + x] as number;
      const right = scene.texture[row + x + 1] as number;
      out[y * WIDTH + x] = (left + (right - left) * fraction) * gain;
    }
  }
  return out;
}

/** Quantises to 8 bits, adding independent sensor noise of `sigma` levels per pixel. */
function toLuma(picture: Float32Array, sigma: number, rng: () => number): Uint8Array {
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const value = (picture[i] as number) + (sigma > 0 ? sigma * gaussian(rng) : 0);
    out[i] = Math.min(255, Math.max(0, Math.round(value)));
  }
  return out;
}

function lumaFrame(index: number, data: Uint8Array): LumaFrame {
  return { index, time: index / FPS, width: WIDTH, height: HEIGHT, data, range: "limited" };
}

interface Run {
  readonly events: Array<DetectorEvent & { frame: number }>;
  readonly flushed: DetectorEvent[];
  readonly endTime: number;
}

/** Pushes the pictures, one per frame at 25 fps, through a freeze detector. */
function play(pictures: Iterable<Uint8Array>, options: FreezeOptionsInput = {}): Run {
  const detector = createFreezeDetector(
    FreezeOptions.parse(options),
    stillPictureMeters(BlackOptions.parse({})),
  );
  const events: Array<DetectorEvent & { frame: number }> = [];
  let index = 0;
  for (const data of pictures) {
    for (const event of detector.push(lumaFrame(index, data))) events.push({ ...event, frame: index });
    index++;
  }
  const endTime = index / FPS;
  return { events, flushed: detector.flush(endTime), endTime };
}

/** The defects a run reported, closed ones with their end. */
function closedDefects(run: Run) {
  return [...run.events, ...run.flushed].filter((e) => e.kind === "close").map((e) => e.defect);
}

/** Block-mean difference between two pictures, as the detector measures it by default. */
function difference(a: Uint8Array, b: Uint8Array): number {
  const grid = new BlockGrid(WIDTH, HEIGHT, 8);
  const regions = new BlockRegions(WIDTH, HEIGHT, 8, [], "bands");
  const ma = new Float32Array(grid.size);
  const mb = new Float32Array(grid.size);
  grid.means(a, ma);
  grid.means(b, mb);
  const overlayBlocks = Math.floor(FreezeOptions.parse({}).overlayShare * regions.unmaskedBlocks);
  return overlayTolerantDifference(ma, mb, regions, overlayBlocks, 255, new Float32Array(grid.size));
}

const SCENE = makeScene(11);
/** Camera panning 2 px a frame with light sensor noise: clearly moving. */
function* panning(fromFrame: number, frames: number, rng: () => number): Generator<Uint8Array> {
  for (let i = 0; i < frames; i++) yield toLuma(view(SCENE, (fromFrame + i) * 2), 1, rng);
}

/**
 * A frozen picture after lossy re-encoding: each frame is the frozen picture plus a coding error that the encoder
 * refines away (decays by 0.7 a frame); every keyframe (each 12th frame) re-codes the picture with a fresh error
 * pattern, a one-frame jump in the frame-to-frame difference.
 */
function* reencodedFreeze(picture: Float32Array, frames: number, rng: () => number): Generator<Uint8Array> {
  let pattern = new Float32Array(PIXELS);
  for (let k = 0; k < frames; k++) {
    if (k % 12 === 0) pattern = Float32Array.from({ length: PIXELS }, () => 4 * gaussian(rng));
    const amplitude = 0.7 ** (k % 12);
    const frame = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) frame[i] = (picture[i] as number) + amplitude * (pattern[i] as number);
    yield toLuma(frame, 0, rng);
  }
}

/** 1 s of pan, then the picture at frame 25 held until 4 s, then the pan resumes for 1 s. */
function freezeAtOneSecond(
  held: (picture: Float32Array, frames: number) => Iterable<Uint8Array>,
  seconds = 3,
) {
  const rng = random(5);
  const heldFrames = Math.round(seconds * FPS);
  const picture = Float32Array.from(toLuma(view(SCENE, 25 * 2), 1, rng));
  return [...panning(0, 25, rng), ...held(picture, heldFrames), ...panning(26, 25, rng)];
}

describe("freeze detector", () => {
  it("reports a bit-identical 3 s freeze from the frozen picture's first frame to the first moving frame", () => {
    const frames = freezeAtOneSecond((picture, n) =>
      Array.from({ length: n }, () => toLuma(picture, 0, random(1))),
    );

    const run = play(frames);

    expect(closedDefects(run)).toEqual([
      expect.objectContaining({ type: "freeze", start: 1, end: 4, severity: "minor", confidence: 1 }),
    ]);
    expect(closedDefects(run)[0]?.metrics.meanDifference).toBe(0);
  });

  it("reports a 3 s freeze in re-encoded video as one freeze despite coding noise and keyframe spikes", () => {
    const rng = random(9);
    const frames = freezeAtOneSecond((picture, n) => reencodedFreeze(picture, n, rng));
    const keyframeSpike = difference(frames[25 + 36] as Uint8Array, frames[25 + 35] as Uint8Array);
    expect(keyframeSpike).toBeGreaterThan(0.001);
    expect(difference(frames[26] as Uint8Array, frames[25] as Uint8Array)).toBeGreaterThan(0);

    const defects = closedDefects(play(frames));

    expect(defects).toHaveLength(1);
    expect(defects[0]?.start).toBeCloseTo(1, 1);
    expect(Math.abs((defects[0]?.start ?? 0) - 1)).toBeLessThanOrEqual(1 / FPS);
    expect(Math.abs((defects[0]?.end ?? 0) - 4)).toBeLessThanOrEqual(1 / FPS);
    expect(defects[0]?.metrics.meanDifference).toBeGreaterThan(0);
  });

  it("dates a freeze in grainy footage from its first frame, though the encoder takes a few frames to settle the grain", () => {
    const rng = random(10);
    const settlingGrain = (picture: Float32Array, n: number) =>
      Array.from({ length: n }, (_, k) => toLuma(picture, 3 * 0.9 ** k, rng));
    const frames = freezeAtOneSecond(settlingGrain);
    expect(difference(frames[27] as Uint8Array, frames[26] as Uint8Array)).toBeGreaterThan(0.001);

    const defects = closedDefects(play(frames));

    expect(defects).toHaveLength(1);
    expect(Math.abs((defects[0]?.start ?? 0) - 1)).toBeLessThanOrEqual(1 / FPS);
    expect(Math.abs((defects[0]?.end ?? 0) - 4)).toBeLessThanOrEqual(1 / FPS);
  });

  it("misses that re-encoded freeze if a single keyframe spike may end it, which is why freezes end on several", () => {
    const rng = random(9);
    const frames = freezeAtOneSecond((picture, n) => reencodedFreeze(picture, n, rng));

    expect(closedDefects(play(frames, { endAfterMovingFrames: 1 }))).toEqual([]);
  });

  it.each([2, 3])("does not report a static shot carrying sensor noise of sigma %i for 10 s", (sigma) => {
    const rng = random(21);
    const still = view(SCENE, 100);
    const frames = Array.from({ length: 10 * FPS }, () => toLuma(still, sigma, rng));

    const run = play(frames);

    expect(run.events).toEqual([]);
    expect(run.flushed).toEqual([]);
  });

  it("does not report a cut from fast motion to a static noisy shot, once it has learnt the quieter noise", () => {
    const rng = random(22);
    const still = view(makeScene(12), 50);
    const frames = [...panning(0, 50, rng), ...Array.from({ length: 8 * FPS }, () => toLuma(still, 2, rng))];

    const run = play(frames);

    expect(run.events).toEqual([]);
    expect(run.flushed).toEqual([]);
  });

  it("does not report a 1.5 s freeze", () => {
    const frames = freezeAtOneSecond(
      (picture, n) => Array.from({ length: n }, () => toLuma(picture, 0, random(1))),
      1.5,
    );

    const run = play(frames);

    expect(run.events).toEqual([]);
    expect(run.flushed).toEqual([]);
  });

  it("leaves 3 s of frozen black to the black detector", () => {
    const rng = random(4);
    const black = new Uint8Array(PIXELS).fill(16);
    const frames = [
      ...panning(0, 25, rng),
      ...Array.from({ length: 3 * FPS }, () => black),
      ...panning(100, 25, rng),
    ];

    const run = play(frames);

    expect(run.events).toEqual([]);
    expect(run.flushed).toEqual([]);
  });

  it("does not report a slow fade, although each frame differs from the last by less than the threshold", () => {
    const rng = random(6);
    const seconds = 10;
    const frames = Array.from({ length: seconds * FPS }, (_, i) =>
      toLuma(view(SCENE, 40, 1 - (0.4 * i) / (seconds * FPS)), 0, rng),
    );
    expect(difference(frames[101] as Uint8Array, frames[100] as Uint8Array)).toBeLessThan(0.001);

    const run = play(frames);

    expect(run.events).toEqual([]);
    expect(run.flushed).toEqual([]);
  });

  it("does not report a slow pan of 1 px a second", () => {
    const rng = random(8);
    const frames = Array.from({ length: 10 * FPS }, (_, i) => toLuma(view(SCENE, 30 + i / FPS), 0, rng));
    expect(difference(frames[101] as Uint8Array, frames[100] as Uint8Array)).toBeLessThan(0.001);

    const run = play(frames);

    expect(run.events).toEqual([]);
    expect(run.flushed).toEqual([]);
  });

  it("sends open on the frame where the picture has been still for 2 s, with the onset as start", () => {
    const frames = freezeAtOneSecond((picture, n) =>
      Array.from({ length: n }, () => toLuma(picture, 0, random(1))),
    );

    const opens = play(frames).events.filter((e) => e.kind === "open");

    expect(opens).toHaveLength(1);
    expect(opens[0]?.frame).toBe(25 + 2 * FPS);
    expect(opens[0]?.defect).toMatchObject({ type: "freeze", start: 1 });
    expect(opens[0]?.defect.end).toBeUndefined();
  });

  it("closes a freeze still running at the end of input on flush", () => {
    const rng = random(3);
    const picture = toLuma(view(SCENE, 60), 1, rng);
    const frames = [...panning(0, 25, rng), ...Array.from({ length: 12 * FPS }, () => picture)];

    const run = play(frames);

    expect(run.events.map((e) => e.kind)).toEqual(["open"]);
    expect(run.flushed).toEqual([
      {
        kind: "close",
        defect: expect.objectContaining({ type: "freeze", start: 1, end: run.endTime, severity: "critical" }),
      },
    ]);
  });
});

describe("FreezeOptions", () => {
  it("gives the documented defaults", () => {
    expect(FreezeOptions.parse({})).toEqual({
      minDuration: 2,
      minThreshold: 0.001,
      maxThreshold: 0.004,
      noiseFactor: 0.5,
      referenceFactor: 4,
      endAfterMovingFrames: 3,
      blockSize: 8,
      overlayShare: 0.12,
      masks: [],
      majorDuration: 4,
      criticalDuration: 10,
    });
  });

  it("rejects an unknown option, naming it", () => {
    const result = FreezeOptions.safeParse({ treshold: 0.01 });

    expect(result.success).toBe(false);
    expect(result.error?.message).toContain("treshold");
  });
});
