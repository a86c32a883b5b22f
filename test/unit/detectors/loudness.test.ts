import { describe, expect, it } from "vitest";
import { createLoudnessDetector, LoudnessOptions } from "../../../core-service/src/detectors/loudness.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "../../../core-service/src/detectors/types.ts";
import {
  type ClosedDefect,
  defectKind,
  type LoudnessMeasure,
} from "../../../core-service/src/domain/defect.ts";
import { chunked, programme, type Segment } from "../../support/synth-audio.ts";

function analyse(detector: AudioDetector, chunks: Iterable<AudioChunk>) {
  const events: DetectorEvent[] = [];
  let end = 0;
  for (const chunk of chunks) {
    events.push(...detector.push(chunk));
    end = chunk.time + chunk.samples.length / chunk.channels / chunk.sampleRate;
  }
  events.push(...detector.flush(end));
  const closed = events.filter((e) => e.kind === "close").map((e) => e.defect);
  return { events, closed, summary: detector.summary?.() };
}

const tone = (seconds: number, dbfs: number): Segment => ({ seconds, dbfs });
const kind = (defect: ClosedDefect) => defectKind(defect);
const ofKind = (defects: readonly ClosedDefect[], measure: LoudnessMeasure) =>
  defects.filter((d) => kind(d) === `loudness/${measure}`);

function expectInterval(defect: ClosedDefect | undefined, start: number, end: number, tolerance = 0.25) {
  expect(defect, `a defect ${start}–${end}`).toBeDefined();
  expect(Math.abs((defect?.start ?? Number.NaN) - start), `start ${defect?.start}`).toBeLessThanOrEqual(
    tolerance,
  );
  expect(Math.abs((defect?.end ?? Number.NaN) - end), `end ${defect?.end}`).toBeLessThanOrEqual(tolerance);
}

describe("loudness detector: loud bursts and level jumps (short-term)", () => {
  it("reports a 5 s passage 12 LU above target as one short-term defect, onset and end within 0.25 s", () => {
    const { events, closed } = analyse(
      createLoudnessDetector(),
      programme([tone(20, -23), tone(5, -11), tone(15, -23)]),
    );
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 20, 25);
    expect(kind(closed[0] as ClosedDefect)).toBe("loudness/shortTerm");
    expect(closed[0]?.metrics.shortTerm).toBeCloseTo(-11, 0);
    expect(closed[0]?.metrics.aboveTarget).toBeCloseTo(12, 0);
    expect(closed[0]?.severity).toBe("major");
    // Announced once it has lasted 3 s of located loudness, not before.
    const open = events.find((e) => e.kind === "open");
    expect(open?.defect.start).toBe(closed[0]?.start);
  });

  it("reports a level jump that lasts to the end of the programme up to the end", () => {
    const { closed } = analyse(createLoudnessDetector(), programme([tone(15, -23), tone(12, -12)]));
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 15, 27);
  });

  it("reports a 20 s too-loud section once, as short-term, not also as integrated", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([tone(20, -23), tone(20, -10), tone(15, -23)]),
    );
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 20, 40);
    expect(kind(closed[0] as ClosedDefect)).toBe("loudness/shortTerm");
    expect(closed[0]?.severity).toBe("major");
  });

  it("grades a burst twice the margin above target as critical", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([tone(10, -23), tone(4, -5), tone(10, -23)]),
    );
    expect(closed[0]?.severity).toBe("critical");
    expect(closed[0]?.confidence).toBe(1);
  });

  it("places the edges of loud speech-like bursts despite the pauses between words", () => {
    const speech = (seconds: number, dbfs: number): Segment => ({ seconds, dbfs, signal: "speech-like" });
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([speech(20.1, -22), speech(5.3, -6), speech(15, -22)]),
    );
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 20.1, 25.4);
  });

  it("keeps two loud passages 2 s apart as two defects, each with its own loudest short-term value", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([tone(10, -23), tone(4, -3), tone(2, -23), tone(4, -10), tone(10, -23)]),
    );
    expect(closed).toHaveLength(2);
    expectInterval(closed[0], 10, 14);
    expectInterval(closed[1], 16, 20);
    expect(closed[0]?.metrics.shortTerm).toBeCloseTo(-3, 0);
    // The 3 s window still holds the louder first passage as the second begins; that is not the second's level.
    expect(closed[1]?.metrics.shortTerm).toBeCloseTo(-10, 0);
  });

  it("ends a burst at its end when a shorter loud moment follows within 3 s (the average stays high between)", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([tone(8, -23), tone(4.5, -8), tone(2.5, -18), tone(2, -10), tone(10, -23)]),
    );
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 8, 12.5);
  });

  it("bridges the silent pauses inside one loud passage, and a normal-level moment under 1.5 s", () => {
    const silent = (seconds: number): Segment => ({ seconds, dbfs: Number.NEGATIVE_INFINITY });
    const speech = (seconds: number): Segment => ({ seconds, dbfs: -6, signal: "speech-like" });
    const pauses = analyse(
      createLoudnessDetector(),
      programme([tone(10, -23), ...Array.from({ length: 4 }, () => [speech(2), silent(1.8)]).flat()]),
    );
    expect(pauses.closed).toHaveLength(1);
    expectInterval(pauses.closed[0], 10, 23.4);
    const moment = analyse(
      createLoudnessDetector(),
      programme([tone(10, -23), tone(4, -8), tone(1, -23), tone(4, -10), tone(10, -23)]),
    );
    expect(moment.closed).toHaveLength(1);
    expectInterval(moment.closed[0], 10, 19);
  });

  it("ignores a loud moment shorter than 3 s, and a 1 s burst that keeps the 3 s average high for 4 s", () => {
    const short = analyse(createLoudnessDetector(), programme([tone(10, -23), tone(2.5, -9), tone(10, -23)]));
    expect(short.closed).toEqual([]);
    const blast = analyse(createLoudnessDetector(), programme([tone(10, -23), tone(1, -3), tone(10, -23)]));
    expect(ofKind(blast.closed, "shortTerm")).toEqual([]);
  });

  it("accepts normal dynamics: ±5 LU swings around the target", () => {
    const swings = Array.from({ length: 10 }, (_, i) => tone(4, i % 2 ? -18 : -28));
    expect(analyse(createLoudnessDetector(), programme(swings)).closed).toEqual([]);
  });

  it("closes a burst that runs across a change of audio format (the meter restarts, the defect does not)", () => {
    const before = programme([tone(10, -23), tone(5, -10)]);
    const after = [...programme([tone(10, -10), tone(10, -23)], { rate: 44100 })].map((c) => ({
      ...c,
      time: c.time + 15,
    }));
    const { events, closed } = analyse(createLoudnessDetector(), [...before, ...after]);
    expect(events.filter((e) => e.kind === "open")).toHaveLength(1);
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 10, 25);
  });

  it("takes its margin and duration from the options", () => {
    const burst = programme([tone(10, -23), tone(2, -17), tone(10, -23)]);
    const { closed } = analyse(
      createLoudnessDetector({ shortTermMargin: 4, shortTermMinDuration: 1.5 }),
      burst,
    );
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 10, 12);
  });
});

describe("loudness detector: a stretch's level far from target (integrated)", () => {
  it("reports a too-quiet section with onset and end within 0.25 s and the stretch's loudness", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([tone(20, -23), tone(20, -40), tone(15, -23)]),
    );
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 20, 40);
    expect(kind(closed[0] as ClosedDefect)).toBe("loudness/integrated");
    expect(closed[0]?.metrics.integrated).toBeCloseTo(-40, 0);
    expect(closed[0]?.metrics.deviation).toBeCloseTo(-17, 0);
  });

  it("reports a too-quiet programme with 2 s silences between its lines as one stretch", () => {
    const line: Segment = { seconds: 3, dbfs: -42, signal: "speech-like" };
    const pause: Segment = { seconds: 2, dbfs: Number.NEGATIVE_INFINITY };
    const lines = Array.from({ length: 6 }, () => [line, pause]).flat();
    const { closed } = analyse(createLoudnessDetector(), programme([tone(10, -23), ...lines, tone(10, -23)]));
    expect(closed).toHaveLength(1);
    // The last line ends at 38 s; the silence after it is the silence detector's.
    expectInterval(closed[0], 10, 38);
    expect(kind(closed[0] as ClosedDefect)).toBe("loudness/integrated");
  });

  it("leaves silence to the silence detector instead of calling it too quiet", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([tone(10, -23), { seconds: 20, dbfs: Number.NEGATIVE_INFINITY }, tone(10, -23)]),
    );
    expect(closed).toEqual([]);
  });

  it("reports a long moderately loud stretch and a loud burst inside it as two defects when tolerance < margin", () => {
    const { closed } = analyse(
      createLoudnessDetector({ tolerance: 5 }),
      programme([tone(10, -23), tone(10, -17), tone(5, -11), tone(15, -17), tone(10, -23)]),
    );
    const integrated = ofKind(closed, "integrated");
    const shortTerm = ofKind(closed, "shortTerm");
    expect(integrated).toHaveLength(1);
    expectInterval(integrated[0], 10, 40);
    expect(shortTerm).toHaveLength(1);
    expectInterval(shortTerm[0], 20, 25);
  });

  it("measures against the configured target (ATSC A/85's −24 or any other)", () => {
    const hot = [tone(15, -16)];
    expect(analyse(createLoudnessDetector(), programme(hot)).closed).toEqual([]);
    const strict = analyse(createLoudnessDetector({ target: -30 }), programme(hot));
    expect(strict.closed).toHaveLength(1);
    expect(strict.summary).toMatchObject({ integratedLoudness: expect.closeTo(-16, 1), target: -30 });
  });
});

describe("loudness detector: true peak", () => {
  it("does not report a 1 kHz tone at −1 dBFS (−1.0 dBTP is within R128's maximum)", () => {
    const { closed, summary } = analyse(createLoudnessDetector({ target: -1 }), programme([tone(5, -1)]));
    expect(closed).toEqual([]);
    expect(summary?.truePeak).toBeCloseTo(-1, 1);
  });

  it("reports a passage raised to −0.5 dBFS as a true-peak defect with its extent", () => {
    const onTarget = createLoudnessDetector({ target: -6 });
    const { closed } = analyse(onTarget, programme([tone(2, -6), tone(2, -0.5), tone(2, -6)]));
    expect(closed).toHaveLength(1);
    expectInterval(closed[0], 2, 4, 0.02);
    expect(kind(closed[0] as ClosedDefect)).toBe("loudness/truePeak");
    expect(closed[0]?.metrics).toEqual({ truePeak: expect.closeTo(-0.5, 1), maxTruePeak: -1 });
    expect(closed[0]?.severity).toBe("major");
  });

  it("finds an inter-sample over that no sample shows: fs/4 at 45° with samples at −3 dBFS peaks at 0 dBTP", () => {
    const rate = 48000;
    const over = chunked(rate, { rate }, (frame, out) =>
      out.fill(Math.sin((2 * Math.PI * frame) / 4 + Math.PI / 4)),
    );
    const { closed, summary } = analyse(createLoudnessDetector(), over);
    expect(summary?.truePeak).toBeGreaterThan(-0.4);
    expect(closed).toHaveLength(1);
    expect(closed[0]?.severity).toBe("critical");
  });

  it("follows A/85's −2 dBTP when configured", () => {
    const audio = [tone(3, -24), tone(0.5, -1.5), tone(3, -24)];
    expect(analyse(createLoudnessDetector(), programme(audio)).closed).toEqual([]);
    const atsc = analyse(createLoudnessDetector({ target: -24, maxTruePeak: -2 }), programme(audio));
    expect(atsc.closed).toHaveLength(1);
    expectInterval(atsc.closed[0], 3, 3.5, 0.02);
  });

  it("joins overs less than truePeakMergeGap apart and splits those further apart", () => {
    const overs = (gap: number) =>
      programme([tone(1, -6), tone(0.2, 0), tone(gap, -6), tone(0.2, 0), tone(1, -6)]);
    const detector = () => createLoudnessDetector({ target: -6 });
    expect(analyse(detector(), overs(0.3)).closed).toHaveLength(1);
    expect(analyse(detector(), overs(1)).closed).toHaveLength(2);
  });
});

describe("loudness detector summary", () => {
  it("gives every R128 figure, all null before any audio", () => {
    expect(createLoudnessDetector().summary?.()).toEqual({
      integratedLoudness: null,
      loudnessRange: null,
      truePeak: null,
      maxMomentary: null,
      maxShortTerm: null,
      target: -23,
    });
  });

  it("gives integrated, range, true peak and maximum momentary and short-term loudness", () => {
    const { summary } = analyse(
      createLoudnessDetector({ target: -24 }),
      programme([tone(20, -20), tone(20, -30)]),
    );
    expect(summary).toEqual({
      integratedLoudness: expect.closeTo(-22.4, 0),
      loudnessRange: expect.closeTo(10, 0),
      truePeak: expect.closeTo(-20, 1),
      maxMomentary: expect.closeTo(-20, 1),
      maxShortTerm: expect.closeTo(-20, 1),
      target: -24,
    });
  });

  it("gives the same result with 1-sample and 10000-sample chunks", () => {
    const segments = [tone(4, -23), tone(7, -9), tone(4, -23)];
    const tiny = analyse(createLoudnessDetector(), programme(segments, { chunkFrames: 1 }));
    const large = analyse(createLoudnessDetector(), programme(segments, { chunkFrames: 10000 }));
    expect(large.closed).toHaveLength(1);
    expect(roundTimes(tiny.events)).toEqual(roundTimes(large.events));
    expect(tiny.summary?.integratedLoudness).toBeCloseTo(large.summary?.integratedLoudness ?? 0, 9);
  });
});

describe("LoudnessOptions", () => {
  it("documents its defaults: R128 target, +8 LU for 3 s, ±8 LU for 10 s, −1 dBTP", () => {
    expect(LoudnessOptions.parse({})).toEqual({
      target: -23,
      shortTermMargin: 8,
      shortTermMinDuration: 3,
      tolerance: 8,
      minDuration: 10,
      silenceGate: -70,
      maxTruePeak: -1,
      truePeakMergeGap: 0.5,
    });
  });

  it("rejects unknown settings", () => {
    expect(() => LoudnessOptions.parse({ targetLufs: -24 })).toThrow();
  });
});

function roundTimes(events: readonly DetectorEvent[]) {
  return events.map((e) => ({
    ...e,
    defect: { ...e.defect, start: e.defect.start.toFixed(6), end: e.defect.end?.toFixed(6) },
  }));
}
