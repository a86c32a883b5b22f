import { describe, expect, it } from "vitest";
import { createPhaseDetector, PhaseOptions } from "../../../core-service/src/detectors/phase.ts";
import {
  during,
  negate,
  noise,
  programme,
  render,
  runAudio,
  STEREO,
  SURROUND_51,
  scaled,
  sum,
  zero,
} from "./synthetic-audio.ts";

const voice = programme(-20, 1);
/** Steady noise legs whose correlation is known: `hiss` and a leg sharing `correlation` with it. */
const hiss = noise(-20, 1);
const correlated = (correlation: number) =>
  sum(scaled(hiss, correlation), scaled(noise(-20, 2), Math.sqrt(1 - correlation ** 2)));
/** Wide stereo: legs of the same programme, correlated as mixes typically are. */
const wideRight = sum(scaled(voice, 0.7), scaled(programme(-20, 9), 0.7));

describe("phase detector", () => {
  it("reports a stereo pair with its right leg inverted from 4 s to 12 s, naming the pair", () => {
    const samples = render(16, [hiss, during(4, 12, negate(correlated(0.6)), correlated(0.6))]);

    const { events, closed } = runAudio(createPhaseDetector(), samples, STEREO);

    expect(closed).toHaveLength(1);
    const [phase] = closed;
    expect(phase?.type).toBe("phase");
    expect(phase?.start).toBeCloseTo(4, 1);
    expect(phase?.end).toBeCloseTo(12, 1);
    expect(phase?.metrics.channels).toEqual(["FL", "FR"]);
    expect(phase?.metrics.correlation).toBeCloseTo(-0.6, 1);
    expect(phase?.metrics.downmixGainDb).toBeLessThan(-3);
    expect(events.filter((e) => e.kind === "open").map((e) => e.defect.start)).toEqual([
      expect.closeTo(4, 1),
    ]);
  });

  it("grades a fully inverted leg critical, and is sure of it", () => {
    const samples = render(10, [voice, during(2, 8, negate(voice), voice)]);

    const [phase] = runAudio(createPhaseDetector(), samples, STEREO).closed;

    expect(phase?.severity).toBe("critical");
    expect(phase?.metrics.correlation).toBeCloseTo(-1, 2);
    expect(phase?.metrics.downmixGainDb).toBe(-120);
    expect(phase?.confidence).toBe(1);
  });

  it("finds the surround pair of a 5.1 track in anti-phase and not the front pair", () => {
    const back = programme(-26, 5);
    const samples = render(12, [
      voice,
      wideRight,
      programme(-22, 3),
      zero,
      back,
      during(3, 10, negate(back), back),
    ]);

    const { closed } = runAudio(createPhaseDetector(), samples, SURROUND_51);

    expect(closed.map((d) => d.metrics.channels)).toEqual([["BL", "BR"]]);
    expect(closed[0]?.start).toBeCloseTo(3, 1);
    expect(closed[0]?.end).toBeCloseTo(10, 1);
  });

  it("raises nothing on ordinary stereo, uncorrelated legs, or mild negative correlation", () => {
    for (const [left, right] of [
      [voice, wideRight],
      [voice, programme(-20, 9)],
      [hiss, correlated(-0.3)],
    ] as const) {
      const samples = render(10, [left, right]);

      expect(runAudio(createPhaseDetector(), samples, STEREO).events).toEqual([]);
    }
  });

  it("reports mild negative correlation once the threshold is raised to it", () => {
    const samples = render(10, [hiss, correlated(-0.3)]);

    const { closed } = runAudio(createPhaseDetector({ threshold: -0.2 }), samples, STEREO);

    expect(closed.map((d) => [d.start, d.end])).toEqual([[0, 10]]);
  });

  it("says mono carried as stereo in its summary, not as a defect", () => {
    const detector = createPhaseDetector();
    const { events } = runAudio(detector, render(8, [voice, voice]), STEREO);

    expect(events).toEqual([]);
    expect(detector.summary?.()).toEqual({ monoInStereo: 1, phaseCorrelation: 1 });
  });

  it("does not call real stereo mono", () => {
    const detector = createPhaseDetector();
    runAudio(detector, render(8, [hiss, correlated(0.6)]), STEREO);

    expect(detector.summary?.()).toEqual({ monoInStereo: 0, phaseCorrelation: expect.closeTo(0.6, 1) });
  });

  it("does not report anti-phase shorter than the minimum duration", () => {
    const samples = render(10, [voice, during(3, 5.5, negate(wideRight), wideRight)]);

    expect(runAudio(createPhaseDetector(), samples, STEREO).events).toEqual([]);
  });

  it("judges nothing where a leg is too quiet to tell", () => {
    const faint = scaled(voice, 10 ** (-40 / 20));
    const samples = render(10, [faint, negate(faint)]);

    expect(runAudio(createPhaseDetector(), samples, STEREO).events).toEqual([]);
  });

  it("ends anti-phase where the pair falls silent", () => {
    const samples = render(14, [during(9, 14, zero, voice), during(9, 14, zero, negate(voice))]);

    const { closed } = runAudio(createPhaseDetector(), samples, STEREO);

    expect(closed.map((d) => [d.start, d.end])).toEqual([[0, expect.closeTo(9, 1)]]);
  });

  it("finds the same anti-phase whatever size the chunks come in", () => {
    const samples = render(12, [voice, during(2.37, 9.11, negate(wideRight), wideRight)]);
    const bounds = (chunkFrames: number) =>
      runAudio(createPhaseDetector(), samples, STEREO, { chunkFrames }).closed.map((d) => [
        d.start.toFixed(3),
        d.end.toFixed(3),
      ]);

    expect(bounds(500)).toEqual(bounds(4800));
  });

  it("refuses options that make no sense, naming them", () => {
    expect(() => PhaseOptions.parse({ threshold: 0.5 })).toThrow(/threshold/);
    expect(() => PhaseOptions.parse({ window: 0 })).toThrow(/window/);
  });
});
