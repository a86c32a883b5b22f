/**
 * The live tile's figures: the detectors' own measures (picture level, motion, momentary loudness), sampled
 * once per media second by the pipeline and kept, bounded, by the local stack's JobLevels.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDetectors } from "../../core-service/src/detectors/registry.ts";
import type { AudioChunk, LumaFrame } from "../../core-service/src/detectors/types.ts";
import type { LevelsPoint } from "../../core-service/src/domain/signal-levels.ts";
import { DetectorSet } from "../../core-service/src/pipeline/detector-set.ts";
import { JobLevels, LEVELS_HISTORY, type LevelsMessage } from "../../core-service/src/server/job-levels.ts";

const WIDTH = 64;
const HEIGHT = 36;
const FPS = 10;
const RATE = 48_000;

/** A textured picture that changes every frame, or (not moving) a still black one. */
function picture(index: number, moving: boolean): LumaFrame {
  const data = new Uint8Array(WIDTH * HEIGHT);
  if (moving) for (let i = 0; i < data.length; i++) data[i] = ((i * 7 + index * 31) % 200) + 28;
  return { index, time: index / FPS, width: WIDTH, height: HEIGHT, data, range: "full" };
}

/** 100 ms of a 1 kHz stereo tone at `peak` (linear), starting at `time`. */
function tone(time: number, peak: number): AudioChunk {
  const frames = RATE / 10;
  const samples = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const v = peak * Math.sin((2 * Math.PI * 1000 * (time * RATE + i)) / RATE);
    samples[2 * i] = v;
    samples[2 * i + 1] = v;
  }
  return { time, sampleRate: RATE, channels: 2, channelNames: ["FL", "FR"], samples };
}

describe("levels from the pipeline", () => {
  it("samples picture level, motion and momentary loudness once per second of media", async () => {
    const points: LevelsPoint[] = [];
    const set = new DetectorSet(createDetectors(["black", "freeze", "loudness"]), undefined, {
      onLevels: (point, duration) => {
        expect(duration).toBe(6);
        points.push(point);
      },
    });
    const { audio, analysisFrame } = set.sink(undefined, 6);
    if (!audio || !analysisFrame) throw new Error("the detector set takes audio and analysis pictures");
    // 0–3 s moving grey programme with a tone; 3–6 s a still black picture, and silence.
    for (let i = 0; i < 6 * FPS; i++) {
      const t = i / FPS;
      await audio(tone(t, t < 3 ? 0.1 : 0), 0);
      await analysisFrame(picture(i, t < 3));
    }

    expect(points.map((p) => Math.round(p.t * 10) / 10)).toEqual([0, 1, 2, 3, 4, 5]);
    const [, second, third, , fifth] = points;
    expect(second?.luma).toBeGreaterThan(0.3);
    // Far above what the freeze detector counts as still (0.004 at most).
    expect(second?.motion).toBeGreaterThan(0.01);
    // A 1 kHz sine of peak 0.1 is −23 dBFS RMS a channel; two channels add 3 dB: about −20 LUFS.
    expect(third?.loudness).toBeGreaterThan(-21);
    expect(third?.loudness).toBeLessThan(-19);
    expect(fifth).toMatchObject({ luma: 0, motion: 0, loudness: -70 });
  });

  it("gives only the figures of the detectors that run", async () => {
    const points: LevelsPoint[] = [];
    const set = new DetectorSet(createDetectors(["silence"]), undefined, {
      onLevels: (point) => points.push(point),
    });
    const { audio } = set.sink(undefined, undefined);
    for (let i = 0; i < 25; i++) await audio?.(tone(i / 10, 0.1), 0);

    expect(points).toEqual([{ t: 0 }, { t: 1 }, { t: 2 }]);
  });
});

describe("JobLevels", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands readers each job's new points once a second, with the media duration", () => {
    vi.useFakeTimers();
    const levels = new JobLevels();
    const messages: LevelsMessage[] = [];
    levels.subscribe((message) => messages.push(message));
    for (let t = 0; t < 30; t++) levels.record("fast-file", { t, luma: 0.123456 }, 600.0004);

    expect(messages).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ jobId: "fast-file", duration: 600 });
    expect(messages[0]?.points).toHaveLength(30);
    expect(messages[0]?.points[0]).toEqual({ t: 0, luma: 0.123 });
    vi.advanceTimersByTime(5000);
    expect(messages).toHaveLength(1);
    levels.close();
  });

  it("keeps the last LEVELS_HISTORY points of a job for a reader that connects later", () => {
    vi.useFakeTimers();
    const levels = new JobLevels();
    for (let t = 0; t < LEVELS_HISTORY + 50; t++) levels.record("live", { t, motion: 0.01 });
    vi.advanceTimersByTime(1000);

    const [snapshot] = levels.snapshot();

    expect(snapshot?.reset).toBe(true);
    expect(snapshot?.points).toHaveLength(LEVELS_HISTORY);
    expect(snapshot?.points[0]?.t).toBe(50);
    levels.close();
  });

  it("leaves points not yet sent out of a snapshot, so no reader gets a point twice", () => {
    vi.useFakeTimers();
    const levels = new JobLevels();
    levels.record("live", { t: 0 });
    vi.advanceTimersByTime(1000);
    levels.record("live", { t: 1 });
    const early: LevelsMessage[] = [];
    levels.subscribe((message) => early.push(message));

    const [snapshot] = levels.snapshot();
    vi.advanceTimersByTime(1000);

    expect(snapshot?.points).toEqual([{ t: 0 }]);
    expect(early.map((m) => m.points)).toEqual([[{ t: 1 }]]);
    levels.close();
  });

  it("says when a job ended and forgets it", () => {
    const levels = new JobLevels();
    const messages: LevelsMessage[] = [];
    levels.subscribe((message) => messages.push(message));
    levels.record("done", { t: 0, luma: 0.5 });

    levels.end("done");

    expect(messages).toEqual([{ jobId: "done", points: [{ t: 0, luma: 0.5 }], ended: true }]);
    expect(levels.snapshot()).toEqual([]);
    levels.close();
  });

  it("follows at most 64 jobs, dropping the one followed longest", () => {
    const levels = new JobLevels();
    for (let i = 0; i < 70; i++) levels.record(`job-${i}`, { t: 0 });

    const followed = levels.snapshot().map((message) => message.jobId);

    expect(followed).toHaveLength(64);
    expect(followed[0]).toBe("job-6");
    levels.close();
  });
});
