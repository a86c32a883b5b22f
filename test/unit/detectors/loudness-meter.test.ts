/**
 * The meter against the minimum-requirements test signals of EBU Tech 3341 (cases 1–6 and 9–19, the ones that
 * are synthetic) and EBU Tech 3342 (LRA cases 1–4), with the tolerances those documents publish. The signals are
 * synthesised here from their descriptions; the EBU's own files also hold licensed programme excerpts.
 */
import { describe, expect, it } from "vitest";
import {
  LoudnessMeter,
  type MeterStep,
  type MeterTick,
} from "../../../core-service/src/detectors/loudness-meter.ts";
import type { AudioChunk } from "../../../core-service/src/detectors/types.ts";
import { type Format, programme, type Segment, sineAtFraction } from "../../support/synth-audio.ts";

interface Run {
  readonly meter: LoudnessMeter;
  readonly steps: MeterStep[];
  readonly ticks: MeterTick[];
}

function run(chunks: Iterable<AudioChunk>): Run {
  let meter: LoudnessMeter | undefined;
  const steps: MeterStep[] = [];
  for (const chunk of chunks) {
    meter ??= new LoudnessMeter(chunk);
    steps.push(...meter.push(chunk.samples, chunk.time));
  }
  if (!meter) throw new Error("no audio");
  return { meter, steps, ticks: steps.flatMap((s) => s.ticks) };
}

const tone = (seconds: number, dbfs: number): Segment => ({ seconds, dbfs });
const silence = (seconds: number): Segment => ({ seconds, dbfs: Number.NEGATIVE_INFINITY });
const repeat = <T>(times: number, items: readonly T[]): T[] =>
  Array.from({ length: times }, () => items).flat();

/** "within ±0.1" and the like: the published tolerances, as [below, above] the expected value. */
function expectWithin(
  value: number | null | undefined,
  expected: number,
  [below, above]: readonly [number, number],
) {
  expect(value, `expected ${expected} −${below}/+${above}`).not.toBeNull();
  expect(value as number).toBeGreaterThanOrEqual(expected - below - 1e-9);
  expect(value as number).toBeLessThanOrEqual(expected + above + 1e-9);
}
const TENTH: readonly [number, number] = [0.1, 0.1];

const LAYOUT_5_0 = ["FL", "FR", "FC", "BL", "BR"];
const LAYOUT_5_1 = ["FL", "FR", "FC", "LFE", "BL", "BR"];

describe("EBU Tech 3341 integrated, momentary and short-term loudness (tolerance ±0.1 LU)", () => {
  const cases: {
    name: string;
    segments: Segment[];
    format?: Format;
    expected?: number;
    momentaryShortTerm?: boolean;
  }[] = [
    { name: "case 1: stereo 1 kHz at −23 dBFS, 20 s", segments: [tone(20, -23)], momentaryShortTerm: true },
    {
      name: "case 2: as case 1 at −33 dBFS",
      segments: [tone(20, -33)],
      expected: -33,
      momentaryShortTerm: true,
    },
    {
      name: "case 3: −36, −23, −36 dBFS (10, 60, 10 s)",
      segments: [tone(10, -36), tone(60, -23), tone(10, -36)],
    },
    {
      name: "case 4: −72, −36, −23, −36, −72 dBFS (10, 10, 60, 10, 10 s)",
      segments: [tone(10, -72), tone(10, -36), tone(60, -23), tone(10, -36), tone(10, -72)],
    },
    {
      name: "case 5: −26, −20, −26 dBFS (20, 20.1, 20 s)",
      segments: [tone(20, -26), tone(20.1, -20), tone(20, -26)],
    },
    {
      name: "case 6: 5.0, L and R −28, C −24, Ls and Rs −30 dBFS",
      segments: [{ seconds: 20, dbfs: 0, levels: [-28, -28, -24, -30, -30] }],
      format: { channels: 5, names: LAYOUT_5_0 },
    },
    {
      name: "case 6 with a silent LFE (the test set's 6-channel file)",
      segments: [{ seconds: 20, dbfs: 0, levels: [-28, -28, -24, Number.NEGATIVE_INFINITY, -30, -30] }],
      format: { channels: 6, names: LAYOUT_5_1 },
    },
    {
      name: "case 1 at 44.1 kHz",
      segments: [tone(20, -23)],
      format: { rate: 44100 },
      momentaryShortTerm: true,
    },
    {
      name: "case 1 at 96 kHz",
      segments: [tone(20, -23)],
      format: { rate: 96000 },
      momentaryShortTerm: true,
    },
    {
      name: "case 5 at 44.1 kHz",
      segments: [tone(20, -26), tone(20.1, -20), tone(20, -26)],
      format: { rate: 44100 },
    },
  ];
  for (const c of cases) {
    const expected = c.expected ?? -23;
    it(`reads ${c.name} as I = ${expected.toFixed(1)} LUFS`, () => {
      const { meter, steps } = run(programme(c.segments, c.format));
      expectWithin(meter.integrated(), expected, TENTH);
      if (c.momentaryShortTerm) {
        const last = steps[steps.length - 1];
        expectWithin(last?.momentary, expected, TENTH);
        expectWithin(last?.shortTerm, expected, TENTH);
      }
    });
  }

  /**
   * Cases 9–14 test the short-term meter (3 s) and the momentary meter (400 ms) in the same three ways: a
   * reading that must stay constant over an alternating signal (9, 12), the maximum of one burst placed at
   * offsets on a finer grid than the meter's (10, 13), and successive maxima as a live meter shows them (11, 14).
   * Short-term is read at the detector's 10 Hz, momentary at the meter's 100 Hz.
   */
  const measures = [
    {
      name: "short-term",
      cases: [9, 10, 11],
      window: 3,
      alternating: { high: 1.34, low: 1.66, times: 5 },
      offsetStep: 0.15,
      readings: (r: Run) => r.steps.map((s) => ({ end: s.end, value: s.shortTerm })),
      maximum: (r: Run) => r.meter.figures().maxShortTerm,
    },
    {
      name: "momentary",
      cases: [12, 13, 14],
      window: 0.4,
      alternating: { high: 0.18, low: 0.22, times: 25 },
      offsetStep: 0.02,
      readings: (r: Run) => r.ticks.map((t) => ({ end: t.end, value: t.momentary })),
      maximum: (r: Run) => r.meter.figures().maxMomentary,
    },
  ];
  for (const m of measures) {
    const [constantCase, burstCase, liveCase] = m.cases;
    const { high, low, times } = m.alternating;
    it(`case ${constantCase}: keeps ${m.name} loudness at −23.0 after ${m.window} s of ${high} s at −20 / ${low} s at −30 dBFS`, () => {
      const readings = m.readings(run(programme(repeat(times, [tone(high, -20), tone(low, -30)]))));
      const after = readings.filter((r) => r.end >= m.window - 1e-9);
      expect(after.length).toBeGreaterThan(100);
      for (const r of after) expectWithin(r.value, -23, TENTH);
    });

    it(`case ${burstCase}: gives max ${m.name} −23.0 for a ${m.window} s burst after i × ${m.offsetStep} s of silence, for each i`, () => {
      for (let i = 0; i < 20; i++) {
        const burst = run(programme([silence(i * m.offsetStep), tone(m.window, -23), silence(1)]));
        expectWithin(m.maximum(burst), -23, TENTH);
      }
    });

    it(`case ${liveCase}: reads max ${m.name} −38, −37, … −19 in successive ${2 * m.window} s segments`, () => {
      const segments = Array.from({ length: 20 }, (_, i) => [
        silence(i * m.offsetStep),
        tone(m.window, -38 + i),
        silence(m.window - i * m.offsetStep),
      ]);
      const readings = m.readings(run(programme(segments.flat())));
      const segment = 2 * m.window;
      for (let i = 0; i < 20; i++) {
        const inSegment = readings.filter(
          (r) => r.end > i * segment + 1e-9 && r.end <= (i + 1) * segment + 1e-9,
        );
        expectWithin(Math.max(...inSegment.map((r) => r.value ?? Number.NEGATIVE_INFINITY)), -38 + i, TENTH);
      }
    });
  }
});

describe("EBU Tech 3341 true peak (tolerance +0.2/−0.4 dB)", () => {
  const cases = [
    {
      name: "case 15: fs/4, phase 0°, amplitude 0.5",
      fraction: 1 / 4,
      phase: 0,
      amplitude: 0.5,
      expected: -6,
    },
    {
      name: "case 16: fs/4, phase 45°, amplitude 0.5",
      fraction: 1 / 4,
      phase: 45,
      amplitude: 0.5,
      expected: -6,
    },
    {
      name: "case 17: fs/6, phase 60°, amplitude 0.5",
      fraction: 1 / 6,
      phase: 60,
      amplitude: 0.5,
      expected: -6,
    },
    {
      name: "case 18: fs/8, phase 67.5°, amplitude 0.5",
      fraction: 1 / 8,
      phase: 67.5,
      amplitude: 0.5,
      expected: -6,
    },
    {
      name: "case 19: fs/4, phase 45°, amplitude 1.41",
      fraction: 1 / 4,
      phase: 45,
      amplitude: 1.41,
      expected: 3,
    },
  ];
  for (const rate of [48000, 44100, 96000]) {
    for (const c of cases) {
      it(`reads ${c.name} at ${rate / 1000} kHz as ${c.expected.toFixed(1)} dBTP`, () => {
        const { meter } = run(sineAtFraction(c.fraction, c.amplitude, c.phase, 1, { rate }));
        expectWithin(meter.figures().truePeak, c.expected, [0.4, 0.2]);
      });
    }
  }

  it("reads a 1 kHz sine at −1 dBFS as −1.0 dBTP (the interpolator adds nothing at low frequencies)", () => {
    const { meter } = run(programme([tone(2, -1)]));
    expect(meter.figures().truePeak).toBeCloseTo(-1, 1);
  });

  it("counts the LFE in the true peak although it carries no loudness", () => {
    const { meter } = run(programme([{ seconds: 1, dbfs: -3, on: [3] }], { channels: 6, names: LAYOUT_5_1 }));
    expect(meter.figures().truePeak).toBeCloseTo(-3, 1);
    expect(meter.figures().integrated).toBeNull();
  });
});

describe("EBU Tech 3342 Loudness Range (tolerance ±1 LU)", () => {
  const cases = [
    { name: "case 1: −20 then −30 dBFS, 20 s each", segments: [tone(20, -20), tone(20, -30)], expected: 10 },
    { name: "case 2: −20 then −15 dBFS", segments: [tone(20, -20), tone(20, -15)], expected: 5 },
    { name: "case 3: −40 then −20 dBFS", segments: [tone(20, -40), tone(20, -20)], expected: 20 },
    {
      name: "case 4: −50, −35, −20, −35, −50 dBFS",
      segments: [tone(20, -50), tone(20, -35), tone(20, -20), tone(20, -35), tone(20, -50)],
      expected: 15,
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name} as LRA ${c.expected} LU`, () => {
      expectWithin(run(programme(c.segments)).meter.figures().range, c.expected, [1, 1]);
    });
  }

  it("reads the same when the signal is repeated, as Tech 3342 requires (cases 1 and 3)", () => {
    for (const c of [cases[0], cases[2]]) {
      if (!c) throw new Error("missing case");
      expectWithin(run(programme([...c.segments, ...c.segments])).meter.figures().range, c.expected, [1, 1]);
    }
  });

  it("reads a steady tone as LRA 0 at 44.1 kHz", () => {
    expect(run(programme([tone(20, -23)], { rate: 44100 })).meter.figures().range).toBeCloseTo(0, 1);
  });
});

describe("what the meter reports when there is nothing to measure", () => {
  it("gives null for every figure of digital silence", () => {
    expect(run(programme([silence(5)])).meter.figures()).toEqual({
      integrated: null,
      range: null,
      truePeak: null,
      maxMomentary: null,
      maxShortTerm: null,
    });
  });

  it("gives momentary but no short-term loudness or LRA for a programme shorter than 3 s", () => {
    const figures = run(programme([tone(2, -23)])).meter.figures();
    expect(figures.maxMomentary).toBeCloseTo(-23, 1);
    expect(figures.maxShortTerm).toBeNull();
    expect(figures.range).toBeNull();
    expect(figures.integrated).toBeCloseTo(-23, 1);
  });
});

describe("streaming", () => {
  it("gives the same figures and steps with 1-frame and 10000-frame chunks", () => {
    const segments = [tone(2, -30), tone(3, -10), { seconds: 2, dbfs: -20, signal: "speech-like" as const }];
    const tiny = run(programme(segments, { chunkFrames: 1 }));
    const large = run(programme(segments, { chunkFrames: 10000 }));
    const a = tiny.meter.figures();
    const b = large.meter.figures();
    for (const key of Object.keys(a) as (keyof typeof a)[]) expect(a[key] ?? 0).toBeCloseTo(b[key] ?? 0, 9);
    expectSameSeries(
      tiny.steps.map((s) => s.shortTerm),
      large.steps.map((s) => s.shortTerm),
    );
    expectSameSeries(
      tiny.ticks.map((t) => t.momentary),
      large.ticks.map((t) => t.momentary),
    );
  });
});

/** Equal to rounding: sums taken in another order differ in the last bits. */
function expectSameSeries(a: readonly (number | null)[], b: readonly (number | null)[]) {
  expect(a.length).toBe(b.length);
  a.forEach((value, i) => {
    if (value === null || b[i] === null) expect(value).toBe(b[i]);
    else expect(value).toBeCloseTo(b[i] as number, 9);
  });
}
