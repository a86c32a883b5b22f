import { describe, expect, it } from "vitest";
import { ClippingOptions, createClippingDetector } from "../../../core-service/src/detectors/clipping.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "../../../core-service/src/detectors/types.ts";

const RATE = 48000;

/** Mono audio built from a function of time, for `seconds`. */
function signal(seconds: number, at: (t: number) => number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * RATE) }, (_, i) => at(i / RATE));
}

const sine =
  (dbfs: number, hz = 1000) =>
  (t: number) =>
    10 ** (dbfs / 20) * Math.sin(2 * Math.PI * hz * t);
/** A sine driven 6 dB past full scale and hard-limited, as an overdriven converter does. */
const hardClipped = (t: number) => Math.max(-1, Math.min(1, 2 * Math.sin(2 * Math.PI * 1000 * t)));
/** The same after a lossy codec: the flat tops overshoot and ripple around ±1.0. */
const lossyClipped = (t: number) => 1.005 * hardClipped(t) + 0.008 * Math.sin(2 * Math.PI * 17000 * t);

/** A hard-clipped tone as ffmpeg's AAC decoder returns it: flat tops settled near 0.95, rippling, never near 1.0. */
const plateauBelowFullScale = (t: number) => 0.95 * hardClipped(t) + 0.01 * Math.sin(2 * Math.PI * 15000 * t);

/** Deterministic noise with a falling spectrum (one-pole low-pass of white noise), scaled to peak at `peak`. */
function loudNoise(seconds: number, peak: number): Float32Array {
  let seed = 12345;
  let state = 0;
  const raw = signal(seconds, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    state = 0.9 * state + 0.1 * (seed / 1073741824 - 1);
    return state;
  });
  const max = raw.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return raw.map((x) => (x * peak) / max);
}

/** Segments of [seconds, signal at time-within-programme]. */
function programme(...parts: [number, (t: number) => number][]): Float32Array {
  let offset = 0;
  const pieces = parts.map(([seconds, at]) => {
    const start = offset;
    offset += seconds;
    return signal(seconds, (t) => at(start + t));
  });
  const out = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function analyse(detector: AudioDetector, samples: Float32Array, chunkFrames = 1024) {
  const events: DetectorEvent[] = [];
  for (let f = 0; f < samples.length; f += chunkFrames) {
    const chunk: AudioChunk = {
      time: f / RATE,
      sampleRate: RATE,
      channels: 1,
      channelNames: [],
      samples: samples.subarray(f, Math.min(samples.length, f + chunkFrames)),
    };
    events.push(...detector.push(chunk));
  }
  events.push(...detector.flush(samples.length / RATE));
  return { events, closed: events.filter((e) => e.kind === "close").map((e) => e.defect) };
}

describe("clipping detector", () => {
  it("reports a 2 s hard-clipped passage with its extent and how much was clipped", () => {
    const audio = programme([3, sine(-12)], [2, hardClipped], [3, sine(-12)]);
    const { events, closed } = analyse(createClippingDetector(), audio);
    expect(events.map((e) => e.kind)).toEqual(["open", "close"]);
    expect(closed).toHaveLength(1);
    expect(Math.abs((closed[0]?.start ?? 0) - 3)).toBeLessThan(0.01);
    expect(Math.abs((closed[0]?.end ?? 0) - 5)).toBeLessThan(0.01);
    expect(closed[0]?.metrics.peak).toBe(1);
    // A sine at twice full scale is flat for two thirds of each cycle; the plateau band adds its shoulders.
    expect(closed[0]?.metrics.clippedRatio).toBeGreaterThan(0.64);
    expect(closed[0]?.metrics.clippedRatio).toBeLessThan(0.75);
    expect(closed[0]?.severity).toBe("major");
  });

  it("finds clipping after lossy decoding, where the flat tops overshoot and ripple", () => {
    const { closed } = analyse(
      createClippingDetector(),
      programme([2, sine(-12)], [1, lossyClipped], [2, sine(-12)]),
    );
    expect(closed).toHaveLength(1);
    expect(closed[0]?.metrics.peak).toBeGreaterThan(1);
  });

  it("finds clipping whose flat tops a lossy codec settled at 0.95, well under full scale", () => {
    const audio = programme([2, sine(-12)], [1.5, plateauBelowFullScale], [2, sine(-12)]);
    const { closed } = analyse(createClippingDetector(), audio);
    expect(closed).toHaveLength(1);
    expect(Math.abs((closed[0]?.start ?? 0) - 2)).toBeLessThan(0.05);
    expect(Math.abs((closed[0]?.end ?? 0) - 3.5)).toBeLessThan(0.05);
    expect(closed[0]?.metrics.peak).toBeLessThan(0.97);
    expect(closed[0]?.severity).toBe("major");
  });

  it("does not report a loud but unclipped sine at −1 dBFS", () => {
    expect(analyse(createClippingDetector(), signal(5, sine(-1))).closed).toEqual([]);
  });

  it.each([30, 50, 100, 1000, 5000, 10000, 12000])(
    "does not report a %i Hz sine peaking at −0.05 dBFS",
    (hz) => {
      expect(analyse(createClippingDetector(), signal(2, sine(-0.05, hz))).closed).toEqual([]);
    },
  );

  it("does not report loud noise peaking at −0.5 dBFS", () => {
    expect(analyse(createClippingDetector(), loudNoise(3, 0.944)).closed).toEqual([]);
  });

  it("does not take a decoder's overshoot past 1.0 on loud unclipped material for pinned samples", () => {
    expect(analyse(createClippingDetector(), loudNoise(3, 1.25)).closed).toEqual([]);
  });

  it("does not report a flat-topped wave that stays well under full scale", () => {
    const quietSquare = (t: number) => 0.5 * hardClipped(t);
    expect(analyse(createClippingDetector(), signal(2, quietSquare)).closed).toEqual([]);
  });

  it("does not report single transient peaks that touch 0.99 without a run", () => {
    const clicks = (t: number) => {
      const n = Math.round(t * RATE);
      return n % 12000 === 0 ? 0.995 : n % 12000 === 1 ? 0.992 : 0.3 * Math.sin(2 * Math.PI * 200 * t);
    };
    expect(analyse(createClippingDetector(), signal(3, clicks)).closed).toEqual([]);
  });

  it("reports a second of music-like peaks pinned at full scale for a few samples each", () => {
    const clippedHits = (t: number) =>
      Math.round(t * RATE) % 4800 < 5 ? 1 : 0.3 * Math.sin(2 * Math.PI * 200 * t);
    const audio = programme([1, sine(-12)], [1, clippedHits], [1, sine(-12)]);
    const { closed } = analyse(createClippingDetector(), audio);
    expect(closed).toHaveLength(1);
    expect(Math.abs((closed[0]?.start ?? 0) - 1)).toBeLessThan(0.01);
    expect(closed[0]?.metrics.clippedSamples).toBe(50);
  });

  it("does not report a single loud transient clipped for 10 ms", () => {
    const audio = programme([1, sine(-12)], [0.01, hardClipped], [1, sine(-12)]);
    expect(analyse(createClippingDetector(), audio).closed).toEqual([]);
  });

  it("ignores a couple of isolated clip events, too sparse to be a clipped passage", () => {
    const burst: [number, (t: number) => number] = [0.0006, () => 1];
    const audio = programme([1, sine(-12)], burst, [2, sine(-12)], burst, [1, sine(-12)]);
    expect(analyse(createClippingDetector(), audio).closed).toEqual([]);
  });

  it("merges clipped bursts less than 0.5 s apart and splits those further apart", () => {
    const burst = (s: number): [number, (t: number) => number] => [s, hardClipped];
    const gap = (s: number): [number, (t: number) => number] => [s, sine(-12)];
    const audio = programme(gap(1), burst(0.1), gap(0.3), burst(0.1), gap(2), burst(0.2), gap(1));
    const { closed } = analyse(createClippingDetector(), audio);
    expect(closed).toHaveLength(2);
    expect(Math.abs((closed[0]?.end ?? 0) - 1.5)).toBeLessThan(0.01);
    expect(Math.abs((closed[1]?.start ?? 0) - 3.5)).toBeLessThan(0.01);
  });

  it.each([
    ["rippling around 1.0", lossyClipped],
    ["settled at 0.95", plateauBelowFullScale],
  ])("gives the same result with 1-sample and 10000-sample chunks for clipping %s", (_, clipped) => {
    const audio = programme([0.5, sine(-12)], [0.5, clipped], [0.5, sine(-12)]);
    const tiny = analyse(createClippingDetector(), audio, 1);
    const large = analyse(createClippingDetector(), audio, 10000);
    expect(large.closed).toHaveLength(1);
    expect(tiny.closed[0]?.metrics).toEqual(large.closed[0]?.metrics);
    expect(tiny.closed[0]?.start).toBeCloseTo(large.closed[0]?.start ?? -1, 9);
    expect(tiny.closed[0]?.end).toBeCloseTo(large.closed[0]?.end ?? -1, 9);
  });
});

describe("ClippingOptions", () => {
  it("documents its defaults", () => {
    expect(ClippingOptions.parse({})).toEqual({
      fullScale: 0.999,
      minRun: 3,
      minPeak: 0.85,
      plateauBand: 0.1,
      minPlateauShare: 0.5,
      window: 0.04,
      mergeGap: 0.5,
      minDuration: 0.1,
      minEvents: 3,
      majorRatio: 0.01,
    });
  });

  it("rejects a full-scale level or plateau ceiling above 1.0, and unknown settings", () => {
    expect(() => ClippingOptions.parse({ fullScale: 1.2 })).toThrow();
    expect(() => ClippingOptions.parse({ minPeak: 1.1 })).toThrow();
    expect(() => ClippingOptions.parse({ threshold: 0.99 })).toThrow();
    expect(() => ClippingOptions.parse({ level: 1 })).toThrow();
  });
});
