/**
 * Black and freeze under channel graphics, and colour bars, on H.264 clips made with ffmpeg at test time:
 * a logo and a running clock over black and over a frozen programme, a scrolling ticker over a frozen one,
 * SMPTE, SMPTE HD and EBU bars with and without an identification caption, beside the negatives (credits
 * rolling over black, a noisy still shot, a night scene, all under the same graphics).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { makeOverlayClip, type Overlay, type Stretch } from "../support/overlay-media.ts";
import { expectAccurate, Scoreboard, type Truth } from "../support/scoring.ts";

const TOLERANCE_SECONDS = 0.25;
const TYPES = ["black", "freeze", "test-signal"] as const;
const board = new Scoreboard(TOLERANCE_SECONDS);

interface OverlayClip {
  readonly name: string;
  readonly stretches: readonly Stretch[];
  readonly overlays: readonly Overlay[];
  readonly truths: readonly Truth[];
}

const CLIPS: readonly OverlayClip[] = [
  {
    name: "black and a freeze under a logo and a running clock",
    stretches: [
      { kind: "moving", seconds: 2 },
      { kind: "black", seconds: 3 },
      { kind: "moving", seconds: 2 },
      { kind: "frozen", seconds: 3 },
      { kind: "moving", seconds: 2 },
    ],
    overlays: ["logo", "clock"],
    truths: [
      { type: "black", start: 2, end: 5 },
      { type: "freeze", start: 7, end: 10 },
    ],
  },
  {
    name: "a freeze under a logo and a scrolling ticker",
    stretches: [
      { kind: "moving", seconds: 2 },
      { kind: "frozen", seconds: 4 },
      { kind: "moving", seconds: 2 },
    ],
    overlays: ["logo", "ticker"],
    truths: [{ type: "freeze", start: 2, end: 6 }],
  },
  {
    name: "credits over black, a noisy still and a night scene under a logo and a clock",
    stretches: [
      { kind: "credits", seconds: 6 },
      { kind: "noisy-still", seconds: 5 },
      { kind: "night", seconds: 4 },
    ],
    overlays: ["logo", "clock"],
    truths: [],
  },
  {
    name: "bars of every kind, with and without a caption, under a logo",
    stretches: [
      { kind: "moving", seconds: 2 },
      { kind: "bars", pattern: "smptebars", seconds: 6 },
      { kind: "moving", seconds: 2 },
      { kind: "bars", pattern: "pal75bars", seconds: 6, caption: true },
      { kind: "moving", seconds: 2 },
      { kind: "bars", pattern: "smptehdbars", seconds: 6, caption: true },
      { kind: "moving", seconds: 2 },
      { kind: "bars", pattern: "pal100bars", seconds: 6 },
      { kind: "moving", seconds: 2 },
      { kind: "bars", pattern: "smptebars", seconds: 3 }, // shorter than 5 s: not reported
      { kind: "moving", seconds: 2 },
    ],
    overlays: ["logo"],
    truths: [
      { type: "test-signal", start: 2, end: 8 },
      { type: "test-signal", start: 10, end: 16 },
      { type: "test-signal", start: 18, end: 24 },
      { type: "test-signal", start: 26, end: 32 },
    ],
  },
];

/** Generating the clips the first time and analysing them takes a minute or two on 2 busy cores. */
const TIMEOUT_MS = 600_000;
const metricsOf = (type: string) => defects.filter((d) => d.type === type).map((d) => d.metrics);
const defects: Defect[] = [];

describe("black and freeze under overlays, and colour bars, on generated clips", () => {
  beforeAll(async () => {
    for (const clip of CLIPS) {
      const path = await makeOverlayClip(clip.stretches, clip.overlays);
      const report = await analyzeSource(path, { allowLocalFiles: true, detectors: [...TYPES] });
      board.add(clip.name, clip.truths, report.defects, TYPES);
      defects.push(...report.defects);
    }
  }, TIMEOUT_MS);

  for (const type of TYPES) {
    it(`finds ${type} with precision and recall of at least 0.95, onset and end within ${TOLERANCE_SECONDS} s`, () => {
      expectAccurate(board, type);
    });
  }

  it("says how much of the picture black looked past, and that a test signal is colour bars", () => {
    expect(metricsOf("black")[0]?.overlayFraction).toBeGreaterThan(0.03);
    expect(metricsOf("black")[0]?.overlayFraction).toBeLessThanOrEqual(0.08);
    expect(metricsOf("test-signal")).toHaveLength(4);
    for (const m of metricsOf("test-signal"))
      expect(m).toMatchObject({ signal: "colour-bars", bars: expect.any(Number) });
  });
});
