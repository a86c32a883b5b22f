import { describe, expect, it } from "vitest";
import {
  BlackMeter,
  BlackOptions,
  blackLevel,
  createBlackDetector,
  isBlackFrame,
  measureBlack,
} from "../../../core-service/src/detectors/black.ts";
import type { DetectorEvent, LumaFrame } from "../../../core-service/src/detectors/types.ts";
import { seededRandom } from "../../support/seeded-random.ts";

const WIDTH = 160;
const HEIGHT = 90;
const FPS = 25;

const random = seededRandom;

type Picture = (rng: () => number) => Uint8Array;

const filled =
  (base: number, spread = 0): Picture =>
  (rng) =>
    Uint8Array.from({ length: WIDTH * HEIGHT }, () => base + Math.floor(rng() * (spread + 1)));

/** Ordinary programme picture: mid-grey texture. */
const programme = filled(60, 120);
/** Video black with a little coding noise (16..19 in limited range). */
const videoBlack = filled(16, 3);
/** A night scene: mean luma under the black level, but textured, with street lights on 3 % of the pixels. */
const nightScene: Picture = (rng) =>
  Uint8Array.from({ length: WIDTH * HEIGHT }, () => {
    const roll = rng();
    if (roll < 0.03) return 120 + Math.floor(rng() * 100);
    return 14 + Math.floor(rng() * 14);
  });

interface Segment {
  readonly seconds: number;
  readonly picture: Picture;
}

function frame(index: number, data: Uint8Array, range: LumaFrame["range"] = "limited"): LumaFrame {
  return { index, time: index / FPS, width: WIDTH, height: HEIGHT, data, range };
}

/** Plays the segments through a detector; returns each event with the index of the frame that produced it. */
function play(
  segments: readonly Segment[],
  options = BlackOptions.parse({}),
  range: LumaFrame["range"] = "limited",
): { events: Array<DetectorEvent & { frame: number }>; endTime: number; flushed: DetectorEvent[] } {
  const detector = createBlackDetector(options);
  const rng = random(7);
  const events: Array<DetectorEvent & { frame: number }> = [];
  let index = 0;
  for (const segment of segments) {
    const count = Math.round(segment.seconds * FPS);
    for (let i = 0; i < count; i++, index++) {
      for (const event of detector.push(frame(index, segment.picture(rng), range))) {
        events.push({ ...event, frame: index });
      }
    }
  }
  const endTime = index / FPS;
  return { events, endTime, flushed: detector.flush(endTime) };
}

describe("black detector", () => {
  it("reports 3 s of black between programme with its onset and end", () => {
    const { events, flushed } = play([
      { seconds: 1, picture: programme },
      { seconds: 3, picture: videoBlack },
      { seconds: 1, picture: programme },
    ]);

    expect(events.map((e) => e.kind)).toEqual(["open", "close"]);
    const closed = events[1]?.defect;
    expect(closed).toMatchObject({ type: "black", start: 1, end: 4, severity: "major" });
    expect(closed?.metrics.blackFraction).toBe(1);
    // Codes 16..19 in limited range: 1.5 codes above nominal black, of a 219-code span.
    expect(closed?.metrics.meanLuma).toBeCloseTo(1.5 / 219, 3);
    expect(closed?.confidence).toBe(1);
    expect(flushed).toEqual([]);
  });

  it("sends open on the frame where black has lasted 1 s, with the first black frame as start", () => {
    const { events } = play([
      { seconds: 0.4, picture: programme },
      { seconds: 2, picture: videoBlack },
    ]);

    const open = events[0];
    expect(open?.kind).toBe("open");
    expect(open?.frame).toBe(10 + 25);
    expect(open?.defect.start).toBeCloseTo(0.4, 9);
    expect(open?.defect.end).toBeUndefined();
  });

  it("ignores a 0.5 s dip to black", () => {
    const { events, flushed } = play([
      { seconds: 1, picture: programme },
      { seconds: 0.5, picture: videoBlack },
      { seconds: 1, picture: programme },
    ]);

    expect(events).toEqual([]);
    expect(flushed).toEqual([]);
  });

  it("does not call a dark, textured night scene black although its mean luma is below the black level", () => {
    const rng = random(3);
    const sample = frame(0, nightScene(rng));
    // Mean below the black level (code 37, i.e. 10 % of the limited span above code 16).
    expect(measureBlack(sample, BlackOptions.parse({})).meanLuma).toBeLessThan(0.1);

    const { events, flushed } = play([{ seconds: 4, picture: nightScene }]);

    expect(events).toEqual([]);
    expect(flushed).toEqual([]);
  });

  it("applies the limited-range black level to limited-range material", () => {
    const { events } = play([{ seconds: 2, picture: filled(30, 7) }], BlackOptions.parse({}), "limited");

    expect(events.map((e) => e.kind)).toEqual(["open"]);
  });

  it("does not take full-range dark grey for black, where the black level is lower", () => {
    const { events, flushed } = play(
      [{ seconds: 2, picture: filled(30, 7) }],
      BlackOptions.parse({}),
      "full",
    );

    expect(events).toEqual([]);
    expect(flushed).toEqual([]);
  });

  it("finds full-range black, which sits below limited-range video black", () => {
    const { events, flushed } = play(
      [
        { seconds: 1, picture: programme },
        { seconds: 2, picture: filled(0, 10) },
      ],
      BlackOptions.parse({}),
      "full",
    );

    expect(events.map((e) => e.kind)).toEqual(["open"]);
    expect(flushed).toMatchObject([{ kind: "close", defect: { start: 1, end: 3, severity: "minor" } }]);
  });

  it("closes an open black interval at the end time on flush", () => {
    const { events, flushed, endTime } = play([
      { seconds: 1, picture: programme },
      { seconds: 1.5, picture: videoBlack },
    ]);

    expect(events.map((e) => e.kind)).toEqual(["open"]);
    expect(flushed).toEqual([
      { kind: "close", defect: expect.objectContaining({ type: "black", start: 1, end: endTime }) },
    ]);
  });

  it("grades 12 s of black as critical", () => {
    const { flushed } = play([{ seconds: 12, picture: videoBlack }]);

    expect(flushed[0]?.defect.severity).toBe("critical");
  });
});

describe("isBlackFrame", () => {
  const withBrightPixels = (bright: number): LumaFrame => {
    const data = new Uint8Array(1000).fill(16);
    data.fill(200, 0, bright);
    return { index: 0, time: 0, width: 100, height: 10, data, range: "limited" };
  };

  it("needs at least 98 % of pixels at or below the black level", () => {
    const options = BlackOptions.parse({});

    expect(isBlackFrame(withBrightPixels(20), options)).toBe(true);
    expect(isBlackFrame(withBrightPixels(21), options)).toBe(false);
    expect(measureBlack(withBrightPixels(20), options).isBlack).toBe(true);
    expect(measureBlack(withBrightPixels(21), options).isBlack).toBe(false);
  });

  it("uses blackdetect's truncated levels: 37 in limited range, 25 in full range", () => {
    expect(blackLevel("limited", 0.1)).toBe(37);
    expect(blackLevel("full", 0.1)).toBe(25);
    const at = (value: number, range: LumaFrame["range"]): LumaFrame => ({
      index: 0,
      time: 0,
      width: 4,
      height: 4,
      data: new Uint8Array(16).fill(value),
      range,
    });
    expect(isBlackFrame(at(37, "limited"), BlackOptions.parse({}))).toBe(true);
    expect(isBlackFrame(at(38, "limited"), BlackOptions.parse({}))).toBe(false);
    expect(isBlackFrame(at(25, "full"), BlackOptions.parse({}))).toBe(true);
    expect(isBlackFrame(at(26, "full"), BlackOptions.parse({}))).toBe(false);
  });
});

describe("BlackOptions", () => {
  it("gives the documented defaults", () => {
    expect(BlackOptions.parse({})).toEqual({
      minDuration: 1,
      pictureBlackRatio: 0.98,
      pixelThreshold: 0.1,
      overlayShare: 0.08,
      masks: [],
      majorDuration: 3,
      criticalDuration: 10,
    });
  });

  it("rejects an unknown option, naming it", () => {
    const result = BlackOptions.safeParse({ minDurations: 2 });

    expect(result.success).toBe(false);
    expect(result.error?.message).toContain("minDurations");
  });
});

describe("a black meter shared by detectors", () => {
  it("measures each picture once and a new one afresh, though the decoder reuses its buffer", () => {
    const meter = new BlackMeter(BlackOptions.parse({}));
    const buffer = videoBlack(random(1));
    const first = frame(0, buffer);

    expect(meter.measure(first).isBlack).toBe(true);
    buffer.set(programme(random(2)));
    // The same picture asked again (by a second detector) gets the same answer…
    expect(meter.measure(first).isBlack).toBe(true);
    // …and the next picture, in the same buffer, its own.
    expect(meter.measure(frame(1, buffer)).isBlack).toBe(false);
  });
});
