import { describe, expect, it } from "vitest";
import {
  BlockinessOptions,
  createBlockinessDetector,
} from "../../../core-service/src/detectors/blockiness.ts";
import type { DetectorEvent, NativeFrameDetector } from "../../../core-service/src/detectors/types.ts";
import {
  concealedSlices,
  frameAt,
  type Plane,
  quantiseBlocks,
  sampleTimes,
  texturedScene,
} from "./blockiness-pictures.ts";

const WIDTH = 320;
const HEIGHT = 184;
const WHOLE = { x0: 0, y0: 0, x1: WIDTH, y1: HEIGHT };
const scenes = [1, 2, 3, 4].map((seed) => texturedScene(WIDTH, HEIGHT, seed));
const clean = (i: number) => scenes[i % scenes.length] as Plane;
const blocky = (i: number, detailKept = 0.5) => quantiseBlocks(clean(i), WHOLE, detailKept);

/** Feeds 5 samples a second over [0, duration), each drawn by `picture(time, i)`, and flushes at `duration`. */
function run(
  detector: NativeFrameDetector,
  duration: number,
  picture: (time: number, i: number) => Plane,
  errors: readonly { time: number; message: string }[] = [],
): DetectorEvent[] {
  const events: DetectorEvent[] = [];
  const pending = [...errors];
  sampleTimes(0, duration).forEach((time, i) => {
    while (pending.length > 0 && (pending[0]?.time ?? Infinity) <= time) {
      events.push(...detector.pushDecodeError(pending.shift() as { time: number; message: string }));
    }
    events.push(...detector.push(frameAt(picture(time, i), time)));
  });
  return [...events, ...detector.flush(duration)];
}

const CONCEAL = "concealing 236 DC, 236 AC, 236 MV errors in P frame";

describe("blockiness detector", () => {
  it("reports 8x8 blocking from 1.9 s to 3.5 s (halfway between the samples around each change), opening once it has lasted half a second", () => {
    const detector = createBlockinessDetector();
    const opened: number[] = [];
    const events: DetectorEvent[] = [];
    for (const [i, time] of sampleTimes(0, 6).entries()) {
      const out = detector.push(frameAt(time >= 1.9 && time < 3.5 ? blocky(i) : clean(i), time));
      if (out.some((e) => e.kind === "open")) opened.push(time);
      events.push(...out);
    }
    events.push(...detector.flush(6));

    expect(events.map((e) => e.kind)).toEqual(["open", "close"]);
    expect(opened).toEqual([2.4]);
    const closed = events[1]?.defect;
    expect(closed).toMatchObject({ type: "blockiness", start: 1.9, end: 3.5, severity: "major" });
    expect(closed?.metrics.blockiness).toBeGreaterThan(0.3);
    expect(closed?.metrics.decodeErrors).toBe(0);
    expect(closed?.confidence).toBeGreaterThan(0.6);
  });

  it("reports nothing for clean pictures, or for blocking shorter than the minimum duration", () => {
    expect(run(createBlockinessDetector(), 5, (_, i) => clean(i))).toEqual([]);
    expect(run(createBlockinessDetector(), 5, (t, i) => (t >= 2 && t < 2.4 ? blocky(i) : clean(i)))).toEqual(
      [],
    );
  });

  it("keeps one interval across a single quiet sample inside the blocking", () => {
    const events = run(createBlockinessDetector(), 6, (t, i) =>
      t >= 0.9 && t < 3.9 && t !== 2.4 ? blocky(i) : clean(i),
    );

    expect(events.filter((e) => e.kind === "close").map((e) => [e.defect.start, e.defect.end])).toEqual([
      [0.9, 3.9],
    ]);
  });

  it("closes blocking still running at the end of the source at the flush time", () => {
    const events = run(createBlockinessDetector(), 4, (t, i) => (t >= 2.9 ? blocky(i) : clean(i)));

    expect(events.map((e) => e.kind)).toEqual(["open", "close"]);
    expect(events[1]?.defect).toMatchObject({ start: 2.9, end: 4 });
  });

  it("judges a source that always carries a faint grid against its own baseline", () => {
    // 95 % of the detail kept: below every bar (terraces ≈ 0.019); 93 %: terraces ≈ 0.04, over the 0.035 bar
    // but not 2.5 times the faint source's own level.
    const faintThenStronger = (t: number, i: number) => blocky(i, t < 5 ? 0.95 : 0.93);
    const cleanThenStronger = (t: number, i: number) => (t < 4.9 ? clean(i) : blocky(i, 0.93));

    expect(run(createBlockinessDetector(), 8, faintThenStronger)).toEqual([]);
    const events = run(createBlockinessDetector(), 8, cleanThenStronger);
    expect(events.map((e) => [e.kind, e.defect.start])).toEqual([
      ["open", 4.9],
      ["close", 4.9],
    ]);
  });

  it("opens at the first decoder error of a burst and closes after the hold when the picture looks clean", () => {
    const detector = createBlockinessDetector();
    const errors = [1.0, 1.04, 1.08].map((time) => ({ time, message: CONCEAL }));

    const events = run(detector, 4, (_, i) => clean(i), errors);

    expect(events.map((e) => e.kind)).toEqual(["open", "close"]);
    expect(events[0]?.defect.start).toBe(1);
    // Damaged for the 0.5 s hold after the last error (1.58), clean at the sample at 1.6: ended in between.
    expect(events[1]?.defect).toMatchObject({ start: 1, severity: "major" });
    expect(events[1]?.defect.end).toBeCloseTo(1.59, 9);
    expect(events[1]?.defect.metrics).toMatchObject({ decodeErrors: 3, concealedBlocks: 708 });
    expect(events[1]?.defect.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it("opens on a decoder complaint as soon as the pictures reach it, whatever they show", () => {
    const detector = createBlockinessDetector();
    detector.push(frameAt(clean(0), 0.8));

    const early = detector.pushDecodeError({
      time: 1.0,
      message: "error while decoding MB 12 34, bytestream -5",
    });
    const reached = detector.push(frameAt(clean(1), 1.2));

    expect(early).toEqual([]);
    expect(reached).toHaveLength(1);
    expect(reached[0]).toMatchObject({ kind: "open", defect: { start: 1, metrics: { decodeErrors: 1 } } });
  });

  it("moves a complaint's onset back to a damaged picture that arrives after the complaint", () => {
    const damaged = (i: number) => concealedSlices(clean(i), [3, 4, 8], 30);
    const detector = createBlockinessDetector();
    for (const [i, time] of sampleTimes(0, 2.4).entries()) detector.push(frameAt(clean(i), time));

    // The complaint is read at 2.5 s; the picture of 2.4 s, already damaged, arrives after it.
    const events = [
      ...detector.pushDecodeError({ time: 2.5, message: CONCEAL }),
      ...detector.push(frameAt(damaged(0), 2.4)),
      ...detector.push(frameAt(damaged(1), 2.6)),
    ];

    expect(events.map((e) => [e.kind, e.defect.start])).toEqual([["open", 2.3]]);
  });

  it("keeps a damage interval open while the concealed picture stays rougher than the source's baseline", () => {
    const damaged = (i: number) => concealedSlices(clean(i), [3, 4, 8], 30);
    const picture = (t: number, i: number) => (t >= 2 && t < 3.5 ? damaged(i) : clean(i));

    const events = run(createBlockinessDetector(), 6, picture, [{ time: 2, message: CONCEAL }]);

    expect(events.filter((e) => e.kind === "close").map((e) => [e.defect.start, e.defect.end])).toEqual([
      [2, 3.5],
    ]);
  });

  it("reports concealed macroblock rows from the picture alone, without any decoder complaint", () => {
    const picture = (t: number, i: number) =>
      t >= 2 && t < 3.6 ? concealedSlices(clean(i), [3, 4, 8], 30) : clean(i);

    const closed = run(createBlockinessDetector(), 6, picture).filter((e) => e.kind === "close");

    expect(closed.map((e) => [e.defect.start, e.defect.end])).toEqual([[1.9, 3.5]]);
    expect(closed[0]?.defect).toMatchObject({ severity: "major", metrics: { decodeErrors: 0 } });
    expect(closed[0]?.defect.metrics.peakMisfitEdges).toBeGreaterThan(0.04);
  });

  it("finds the same damage with decoder complaints switched off, and ignores the complaints", () => {
    const picture = (t: number, i: number) =>
      t >= 2 && t < 3.6 ? concealedSlices(clean(i), [3, 4, 8], 30) : clean(i);
    const errors = [{ time: 0.5, message: CONCEAL }];

    const closed = run(createBlockinessDetector({ decoderErrors: false }), 6, picture, errors).filter(
      (e) => e.kind === "close",
    );

    expect(closed.map((e) => [e.defect.start, e.defect.end, e.defect.metrics.decodeErrors])).toEqual([
      [1.9, 3.5, 0],
    ]);
  });

  it("keeps reporting a starved stretch whose pictures ease below the bars but stay near them", () => {
    const scene = clean(0);
    const strong = quantiseBlocks(scene, WHOLE, 0.5);
    // Grid ≈ 0.22 and confirmed terraces ≈ 0.031: under the bars (0.3, 0.035), over 0.7 of them.
    const milder = quantiseBlocks(scene, WHOLE, 0.88);
    const easing = (t: number) => (t >= 1 && t < 2.6 ? strong : t >= 2.6 && t < 4 ? milder : scene);

    const closed = run(createBlockinessDetector(), 6, easing).filter((e) => e.kind === "close");

    expect(closed.map((e) => [e.defect.start, e.defect.end])).toEqual([[0.9, 3.9]]);
    expect(run(createBlockinessDetector(), 6, (t) => (t >= 1 && t < 4 ? milder : scene))).toEqual([]);
  });

  it("reports a picture collapsed to mid-grey (a lost reference), judged against the source's own grey", () => {
    const scene = clean(0);
    // What HEVC decodes from a lost reference: grey, with only the scene's edges left on it.
    const greyEdges = {
      ...scene,
      data: scene.data.map((v, i) => Math.max(0, Math.min(255, 128 + (v - (scene.data[i - 1] ?? v)) * 2))),
    };
    const collapse = (t: number) => (t >= 2 && t < 3.2 ? greyEdges : scene);

    const closed = run(createBlockinessDetector(), 5, collapse).filter((e) => e.kind === "close");

    expect(closed.map((e) => [e.defect.start, e.defect.end])).toEqual([[1.9, 3.1]]);
    expect(closed[0]?.defect).toMatchObject({ severity: "major", metrics: { decodeErrors: 0 } });
    expect(run(createBlockinessDetector(), 5, () => greyEdges)).toEqual([]);
  });

  it("follows damage seen in the picture while its macroblock edges stay broken, without any complaint", () => {
    const heavy = (i: number) => concealedSlices(clean(i), [3, 4, 8], 30);
    // One concealed row: broken macroblock edges, but misfit edges below this detector's raised bars.
    const fading = (i: number) => concealedSlices(clean(i), [3], 10);
    const options = { misfitThreshold: 0.08, misfitFloor: 0.05 };
    const damage = (t: number, i: number) =>
      t >= 2 && t < 2.4 ? heavy(i) : t >= 2.4 && t < 3.6 ? fading(i) : clean(i);

    const closed = run(createBlockinessDetector(options), 6, damage).filter((e) => e.kind === "close");

    expect(closed.map((e) => [e.defect.start, e.defect.end])).toEqual([[1.9, 3.5]]);
    const fadingOnly = (t: number, i: number) => (t >= 2 && t < 3.6 ? fading(i) : clean(i));
    expect(run(createBlockinessDetector(options), 6, fadingOnly)).toEqual([]);
  });

  it("holds damage the decoder complained of until the next keyframe of a source with regular keyframes", () => {
    const withKeyframes = (keyframes: readonly number[]) => {
      const detector = createBlockinessDetector();
      for (const time of keyframes) detector.pushKeyframe?.(time);
      return run(detector, 6, (_, i) => clean(i), [{ time: 2.1, message: CONCEAL }]);
    };
    const spans = (events: DetectorEvent[]) =>
      events.filter((e) => e.kind === "close").map((e) => [e.defect.start, e.defect.end]);

    // Keyframes every second: repaired by the one at 3 s, however clean the pictures look before it.
    expect(spans(withKeyframes([0, 1, 2, 3, 4, 5]))).toEqual([[2.1, 3]]);
    // No keyframe known: the complaint's hold, ended halfway to the first sample after it.
    expect(spans(withKeyframes([]))).toEqual([[2.1, 2.7]]);
  });

  it("ends damage seen in the picture at the keyframe that repairs it, a starved stretch at its pictures", () => {
    const damaged = (t: number, i: number) =>
      t >= 2 && t < 3.6 ? concealedSlices(clean(i), [3, 4, 8], 30) : clean(i);
    // Blocking with block edges that still fit: a starved encoder, not damage.
    const starved = (t: number, i: number) => (t >= 2 && t < 3.6 ? blocky(i, 0.8) : clean(i));
    const ends = (picture: (t: number, i: number) => Plane) => {
      const detector = createBlockinessDetector();
      for (const time of [0, 1.52, 3.04, 3.52, 4.56]) detector.pushKeyframe?.(time);
      return run(detector, 6, picture)
        .filter((e) => e.kind === "close")
        .map((e) => e.defect.end);
    };

    // The last damaged sample is 3.4, the first clean one 3.6: the keyframe at 3.52 between them is the end.
    expect(ends(damaged)).toEqual([3.52]);
    expect(ends(starved)).toEqual([3.5]);
  });

  it("ends damage after maxDamagePersistence even if the picture never calms down", () => {
    const damaged = (i: number) => concealedSlices(clean(i), [3, 4, 8], 30);
    // Only the decoder's word keeps this picture damaged: its misfit edges and terraces alone would report it to
    // the end, so those bars are out of reach here.
    const detector = createBlockinessDetector({
      maxDamagePersistence: 2,
      misfitThreshold: 1,
      misfitFloor: 1,
      terraceThreshold: 1,
    });

    const events = run(detector, 8, (t, i) => (t >= 1 ? damaged(i) : clean(i)), [
      { time: 1, message: CONCEAL },
    ]);

    // Damaged by the picture until 3.0 (2 s after the error), then no longer counted: ended before the 3.2 sample.
    expect(events.filter((e) => e.kind === "close").map((e) => e.defect.end)).toEqual([3.1]);
  });
});

describe("BlockinessOptions", () => {
  it("fills documented defaults and rejects unknown settings", () => {
    expect(BlockinessOptions.parse({})).toMatchObject({
      minDuration: 0.5,
      gridThreshold: 0.3,
      errorHold: 0.5,
    });
    expect(() => BlockinessOptions.parse({ threshold: 1 })).toThrow();
    expect(() => createBlockinessDetector({ minDuration: -1 })).toThrow();
  });
});
