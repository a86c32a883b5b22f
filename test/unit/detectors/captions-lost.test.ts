import { describe, expect, it } from "vitest";
import {
  type CaptionsLostOptions,
  createCaptionsLostDetector,
} from "../../../core-service/src/detectors/captions-lost.ts";
import { parseThresholds } from "../../../core-service/src/detectors/registry.ts";
import type { DetectorEvent } from "../../../core-service/src/detectors/types.ts";

interface Span {
  readonly start: number;
  readonly end: number;
}

interface Timeline {
  readonly duration: number;
  /** Stretches without caption data; "never" = no captions at all. */
  readonly gaps: readonly Span[] | "never";
  /** Stretches of digital silence in the programme sound. */
  readonly silences?: readonly Span[];
  /** Seconds the caption events reach the detector after the audio of the same time (negative: before). */
  readonly captionDelay?: number;
  readonly options?: CaptionsLostOptions;
}

const FPS = 25;
const RATE = 48000;
const CHUNK = 1024;
/** A 480 Hz tone repeats every 100 samples at 48 kHz. */
const TONE = Float32Array.from({ length: 100 }, (_, i) => 0.1 * Math.sin((2 * Math.PI * i) / 100));

/** Feeds a caption timeline and a tone (2 channels) to the detector in the order a decoder would deliver them. */
function run(timeline: Timeline): DetectorEvent[] {
  const detector = createCaptionsLostDetector(timeline.options);
  const inside = (t: number, spans: readonly Span[]) => spans.some((s) => t >= s.start && t < s.end);
  const deliveries: { at: number; feed: () => DetectorEvent[] }[] = [];
  if (timeline.gaps !== "never") {
    const gaps = timeline.gaps;
    for (let n = 0; n / FPS < timeline.duration; n++) {
      const time = n / FPS;
      if (!inside(time, gaps))
        deliveries.push({
          at: time + (timeline.captionDelay ?? 0),
          feed: () => detector.pushCaptions({ time }),
        });
    }
  }
  const frames = Math.round(timeline.duration * RATE);
  for (let first = 0; first < frames; first += CHUNK) {
    const count = Math.min(CHUNK, frames - first);
    const samples = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) {
      const t = (first + i) / RATE;
      const x = inside(t, timeline.silences ?? []) ? 0 : (TONE[(first + i) % TONE.length] as number);
      samples[2 * i] = x;
      samples[2 * i + 1] = x;
    }
    const time = first / RATE;
    const chunk = { time, sampleRate: RATE, channels: 2, channelNames: ["FL", "FR"], samples };
    deliveries.push({ at: (first + count) / RATE, feed: () => detector.push(chunk) });
  }
  deliveries.sort((a, b) => a.at - b.at);
  return [...deliveries.flatMap((d) => d.feed()), ...detector.flush(timeline.duration)];
}

const closed = (events: DetectorEvent[]) => events.filter((e) => e.kind === "close").map((e) => e.defect);

describe("captions-lost detector", () => {
  it("opens at the last caption once 30 s of programme went by without captions, and closes when they return", () => {
    const events = run({ duration: 60, gaps: [{ start: 10, end: 50 }] });
    expect(events.map((e) => e.kind)).toEqual(["open", "close"]);
    const [open, close] = events as [DetectorEvent, DetectorEvent];
    expect(open.defect.start).toBeCloseTo(10 - 1 / FPS, 6);
    // Opened as soon as the audio reached 30 s of programme after the last caption.
    expect(open.defect.metrics.duration).toBeGreaterThanOrEqual(30);
    expect(open.defect.metrics.duration).toBeLessThan(30.2);
    expect(close.defect).toMatchObject({ type: "captions-lost", end: 50, severity: "major", confidence: 1 });
    expect(close.defect.metrics.duration).toBeCloseTo(40.04, 2);
    expect(close.defect.metrics.programmeSeconds).toBeCloseTo(40.04, 1);
  });

  it("closes at the end of the stream when the captions never come back", () => {
    const [defect] = closed(run({ duration: 60, gaps: [{ start: 15, end: 60 }] }));
    expect(defect?.start).toBeCloseTo(15 - 1 / FPS, 6);
    expect(defect?.end).toBe(60);
  });

  it("raises nothing for a gap shorter than the minimum, and honours a configured minimum", () => {
    expect(run({ duration: 60, gaps: [{ start: 10, end: 35 }] })).toEqual([]);
    const short = closed(run({ duration: 60, gaps: [{ start: 10, end: 22 }], options: { minDuration: 10 } }));
    expect(short).toHaveLength(1);
    expect(short[0]?.end).toBe(22);
  });

  it("raises nothing while the programme sound is silent during the gap", () => {
    const events = run({ duration: 70, gaps: [{ start: 10, end: 50 }], silences: [{ start: 9, end: 51 }] });
    expect(events).toEqual([]);
  });

  it("counts pauses in speech as programme but not a silence of 2 s or more", () => {
    const pauses = Array.from({ length: 7 }, (_, i) => ({ start: 12 + 5 * i, end: 13.5 + 5 * i }));
    const withPauses = closed(run({ duration: 60, gaps: [{ start: 10, end: 45 }], silences: pauses }));
    expect(withPauses).toHaveLength(1);
    expect(withPauses[0]?.metrics.programmeSeconds).toBeCloseTo(35.04, 1);
    // The same 35 s gap with a 10 s silent break in it has only 25 s of programme.
    const withBreak = run({
      duration: 60,
      gaps: [{ start: 10, end: 45 }],
      silences: [{ start: 20, end: 30 }],
    });
    expect(withBreak).toEqual([]);
  });

  it("reports a gap that is partly silence with less confidence than one that is all programme", () => {
    const [defect] = closed(
      run({ duration: 80, gaps: [{ start: 10, end: 60 }], silences: [{ start: 20, end: 35 }] }),
    );
    expect(defect?.metrics.programmeSeconds).toBeCloseTo(35.04, 1);
    expect(defect?.confidence).toBeGreaterThan(0.8);
    expect(defect?.confidence).toBeLessThan(0.9);
  });

  it("raises nothing for a source that never carried captions", () => {
    expect(run({ duration: 120, gaps: "never" })).toEqual([]);
  });

  it("raises nothing while captions are there throughout", () => {
    expect(run({ duration: 120, gaps: [] })).toEqual([]);
  });

  it("raises nothing before the first captions: a source whose captions start late has lost nothing", () => {
    expect(run({ duration: 90, gaps: [{ start: 0, end: 45 }] })).toEqual([]);
  });

  it("grades a long loss critical", () => {
    const [defect] = closed(run({ duration: 200, gaps: [{ start: 10, end: 190 }] }));
    expect(defect?.severity).toBe("critical");
  });

  for (const captionDelay of [-0.8, 0.8]) {
    it(`times the loss the same when captions reach it ${captionDelay > 0 ? "after" : "before"} the audio (${Math.abs(captionDelay)} s)`, () => {
      // 30.3 s without captions: found only if none of the skew is lost from the programme count.
      const [defect] = closed(run({ duration: 60, gaps: [{ start: 10, end: 40.3 }], captionDelay }));
      expect(defect?.start).toBeCloseTo(10 - 1 / FPS, 6);
      expect(defect?.end).toBeCloseTo(40.32, 6);
    });
  }

  it("re-opens a loss a previous worker had open at the first audio, with its onset, without seeing captions first", () => {
    const detector = createCaptionsLostDetector();
    detector.resumeLoss(100);
    const chunk = {
      time: 140,
      sampleRate: RATE,
      channels: 1,
      channelNames: ["FC"],
      samples: new Float32Array(4800).fill(0.1),
    };
    const [open] = detector.push(chunk);
    expect(open).toMatchObject({ kind: "open", defect: { type: "captions-lost", start: 100 } });
    const [close] = detector.pushCaptions({ time: 140.05 });
    expect(close).toMatchObject({ kind: "close", defect: { start: 100, end: 140.05 } });
  });

  it("is configured by name in thresholds, and refuses options it does not know", () => {
    expect(parseThresholds({ "captions-lost": { minDuration: 10 } })["captions-lost"].minDuration).toBe(10);
    expect(() => parseThresholds({ "captions-lost": { minDurationSeconds: 10 } })).toThrow(
      /thresholds\.captions-lost/,
    );
  });
});
