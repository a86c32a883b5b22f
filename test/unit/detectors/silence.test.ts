import { describe, expect, it } from "vitest";
import { createSilenceDetector, SilenceOptions } from "../../../core-service/src/detectors/silence.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "../../../core-service/src/detectors/types.ts";

const RATE = 48000;

/** A stretch of stereo audio: a 440 Hz tone at a peak level, low-level noise (what a lossy codec leaves), or zeros. */
interface Part {
  readonly seconds: number;
  readonly kind: "tone" | "noise" | "zero";
  readonly dbfs?: number;
  /** Only this channel carries the signal; the other is zero. */
  readonly onlyChannel?: number;
}

function stereo(parts: readonly Part[]): Float32Array {
  const total = parts.reduce((n, p) => n + Math.round(p.seconds * RATE), 0);
  const out = new Float32Array(total * 2);
  let seed = 7;
  let frame = 0;
  for (const part of parts) {
    const amplitude = 10 ** ((part.dbfs ?? -20) / 20);
    const end = frame + Math.round(part.seconds * RATE);
    for (; frame < end; frame++) {
      for (let c = 0; c < 2; c++) {
        if (part.onlyChannel !== undefined && part.onlyChannel !== c) continue;
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const value =
          part.kind === "tone"
            ? amplitude * Math.sin((2 * Math.PI * 440 * frame) / RATE)
            : part.kind === "noise"
              ? amplitude * ((seed / 2147483648) * 2 - 1)
              : 0;
        out[frame * 2 + c] = value;
      }
    }
  }
  return out;
}

function analyse(detector: AudioDetector, samples: Float32Array, chunkFrames = 2048) {
  const events: DetectorEvent[] = [];
  const frames = samples.length / 2;
  for (let f = 0; f < frames; f += chunkFrames) {
    const chunk: AudioChunk = {
      time: f / RATE,
      sampleRate: RATE,
      channels: 2,
      channelNames: ["FL", "FR"],
      samples: samples.subarray(f * 2, Math.min(frames, f + chunkFrames) * 2),
    };
    events.push(...detector.push(chunk));
  }
  events.push(...detector.flush(frames / RATE));
  return { events, closed: events.filter((e) => e.kind === "close").map((e) => e.defect) };
}

const speech = (seconds: number): Part => ({ seconds, kind: "tone", dbfs: -18 });

describe("silence detector", () => {
  it("reports 3 s of digital silence with start and end within 0.05 s", () => {
    const { closed } = analyse(
      createSilenceDetector(),
      stereo([speech(5), { seconds: 3, kind: "zero" }, speech(4)]),
    );
    expect(closed).toHaveLength(1);
    expect(Math.abs((closed[0]?.start ?? 0) - 5)).toBeLessThanOrEqual(0.05);
    expect(Math.abs((closed[0]?.end ?? 0) - 8)).toBeLessThanOrEqual(0.05);
    expect(closed[0]).toMatchObject({ type: "silence", severity: "major", confidence: 1 });
    expect(closed[0]?.metrics.loudestLevelDb).toBe(-120);
  });

  it("opens the defect once it has lasted the minimum, dated from the onset", () => {
    const { events } = analyse(
      createSilenceDetector(),
      stereo([speech(5), { seconds: 3, kind: "zero" }, speech(4)]),
    );
    expect(events.map((e) => e.kind)).toEqual(["open", "close"]);
    expect(events[0]?.defect.start).toBe(events[1]?.defect.start);
    expect(events[0]?.defect.end).toBeUndefined();
  });

  it("treats the faint noise a lossy codec leaves (−80 dBFS) as silence", () => {
    const { closed } = analyse(
      createSilenceDetector(),
      stereo([speech(3), { seconds: 4, kind: "noise", dbfs: -80 }, speech(3)]),
    );
    expect(closed).toHaveLength(1);
    expect(Math.abs((closed[0]?.start ?? 0) - 3)).toBeLessThanOrEqual(0.05);
    expect(closed[0]?.metrics.loudestLevelDb).toBeLessThan(-80);
  });

  it("does not call a quiet passage at −45 dBFS silence", () => {
    const { closed } = analyse(
      createSilenceDetector(),
      stereo([speech(3), { seconds: 10, kind: "noise", dbfs: -45 }, speech(3)]),
    );
    expect(closed).toEqual([]);
  });

  it("does not call a 1.4 s pause in speech silence", () => {
    const { closed } = analyse(
      createSilenceDetector(),
      stereo([speech(3), { seconds: 1.4, kind: "zero" }, speech(3)]),
    );
    expect(closed).toEqual([]);
  });

  it("needs every channel silent: one channel still playing is not silence", () => {
    const oneSided: Part = { seconds: 5, kind: "tone", dbfs: -30, onlyChannel: 1 };
    expect(analyse(createSilenceDetector(), stereo([speech(2), oneSided, speech(2)])).closed).toEqual([]);
  });

  it("closes silence that runs to the end of the stream at the end time, critical past 10 s", () => {
    const { closed } = analyse(createSilenceDetector(), stereo([speech(2), { seconds: 11, kind: "zero" }]));
    expect(closed).toHaveLength(1);
    expect(closed[0]?.end).toBeCloseTo(13, 6);
    expect(closed[0]?.severity).toBe("critical");
  });

  it("honours a stricter floor and a shorter minimum duration", () => {
    const audio = stereo([speech(2), { seconds: 1.2, kind: "noise", dbfs: -65 }, speech(2)]);
    expect(analyse(createSilenceDetector({ minDuration: 1 }), audio).closed).toHaveLength(1);
    expect(analyse(createSilenceDetector({ minDuration: 1, floorDb: -70 }), audio).closed).toEqual([]);
  });

  it("gives the same result with 1-sample and 10000-sample chunks", () => {
    const audio = stereo([speech(1), { seconds: 2.5, kind: "noise", dbfs: -75 }, speech(1)]);
    const tiny = analyse(createSilenceDetector(), audio, 1);
    const large = analyse(createSilenceDetector(), audio, 10000);
    expect(large.closed).toHaveLength(1);
    expect(tiny.events.map((e) => e.kind)).toEqual(large.events.map((e) => e.kind));
    expect(tiny.closed[0]?.start).toBeCloseTo(large.closed[0]?.start ?? -1, 9);
    expect(tiny.closed[0]?.end).toBeCloseTo(large.closed[0]?.end ?? -1, 9);
    expect(tiny.closed[0]?.metrics).toEqual(large.closed[0]?.metrics);
  });
});

describe("SilenceOptions", () => {
  it("documents its defaults: −60 dBFS for 2 s, 20 ms RMS windows", () => {
    expect(SilenceOptions.parse({})).toEqual({
      floorDb: -60,
      minDuration: 2,
      window: 0.02,
      criticalDuration: 10,
    });
  });

  it("rejects unknown settings and a floor above full scale", () => {
    expect(() => SilenceOptions.parse({ threshold: -50 })).toThrow();
    expect(() => SilenceOptions.parse({ floorDb: 3 })).toThrow();
  });
});
