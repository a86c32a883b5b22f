import { describe, expect, it } from "vitest";
import {
  createLineUpToneDetector,
  LineUpToneOptions,
} from "../../../core-service/src/detectors/line-up-tone.ts";
import { fitSine } from "../../../core-service/src/detectors/sine-fit.ts";
import {
  during,
  noise,
  programme,
  RATE,
  render,
  runAudio,
  STEREO,
  scaled,
  sum,
  tone,
  zero,
} from "./synthetic-audio.ts";

const lineUp = tone(1000, -18);
const show = programme(-20, 1);
const showRight = programme(-20, 2);

describe("sine fit", () => {
  it("measures a pure tone's frequency and level exactly and leaves no residual", () => {
    const samples = render(0.1, [tone(997, -20, 0.3)]);

    const fit = fitSine(samples, 0, 1, 0, samples.length, RATE);

    expect(fit?.frequency).toBeCloseTo(997, 3);
    expect(20 * Math.log10(fit?.amplitude ?? 0)).toBeCloseTo(-20, 3);
    expect(fit?.residualRatio).toBeLessThan(1e-8);
  });

  it("leaves a tone with a second partial, or noise, a large residual", () => {
    const twoPartials = render(0.1, [sum(tone(1000, -20), tone(300, -40))]);
    const hiss = render(0.1, [noise(-20, 1)]);

    expect(fitSine(twoPartials, 0, 1, 0, twoPartials.length, RATE)?.residualRatio).toBeGreaterThan(0.005);
    expect(fitSine(hiss, 0, 1, 0, hiss.length, RATE)?.residualRatio).toBeGreaterThan(0.5);
  });

  it("fits nothing to silence and refuses a stretch too short to fit", () => {
    const silence = new Float32Array(480);

    expect(fitSine(silence, 0, 1, 0, 480, RATE)).toMatchObject({
      frequency: 0,
      amplitude: 0,
      residualRatio: 1,
    });
    expect(fitSine(silence, 0, 1, 0, 7, RATE)).toBeUndefined();
  });
});

describe("line-up tone (test-signal)", () => {
  it("reports a 1 kHz tone at −18 dBFS on air from 2 s to 14 s in place of programme", () => {
    const samples = render(18, [during(2, 14, lineUp, show), during(2, 14, lineUp, showRight)]);

    const { events, closed } = runAudio(createLineUpToneDetector(), samples, STEREO);

    expect(closed).toHaveLength(1);
    const [signal] = closed;
    expect(signal?.type).toBe("test-signal");
    expect(signal?.start).toBeCloseTo(2, 1);
    expect(signal?.end).toBeCloseTo(14, 1);
    expect(signal?.metrics).toMatchObject({
      signal: "line-up-tone",
      channels: ["FL", "FR"],
      frequencyHz: 1000,
      levelDb: -18,
    });
    expect(signal?.confidence).toBe(1);
    expect(events.filter((e) => e.kind === "open").map((e) => e.defect.start)).toEqual([
      expect.closeTo(2, 1),
    ]);
  });

  it("reports a −20 dBFS tone (SMPTE line-up) on a mono track", () => {
    const samples = render(8, [tone(1000, -20)]);

    const { closed } = runAudio(createLineUpToneDetector(), samples, ["FC"]);

    expect(closed.map((d) => [d.start, d.end, d.metrics.levelDb])).toEqual([[0, 8, -20]]);
  });

  it("keeps one defect through the 250 ms breaks of the left leg of an EBU stereo line-up", () => {
    const left = (t: number, frame: number) => (t % 3 < 0.25 ? 0 : lineUp(t, frame));
    const samples = render(12, [left, lineUp]);

    const { closed } = runAudio(createLineUpToneDetector(), samples, STEREO);

    expect(closed.map((d) => [d.start, d.end])).toEqual([[0, 12]]);
  });

  it("does not report a tone shorter than the minimum duration", () => {
    const samples = render(10, [during(2, 6.5, lineUp, show)]);

    expect(runAudio(createLineUpToneDetector(), samples, ["FC"]).events).toEqual([]);
  });

  it("does not take programme, a tone under programme, or a tone with a second partial for line-up", () => {
    const cases = [
      show,
      sum(lineUp, scaled(show, 0.3)),
      // The accuracy corpus' programme: 1 kHz with a quieter 300 Hz partial.
      sum(scaled(tone(1000, -23), 0.9), scaled(tone(300, -23), 0.1)),
    ];
    for (const signal of cases) {
      expect(runAudio(createLineUpToneDetector(), render(8, [signal]), ["FC"]).events).toEqual([]);
    }
  });

  it("does not take another frequency or another level for line-up", () => {
    for (const signal of [tone(440, -18), tone(1000, -40), tone(1000, -3)]) {
      expect(runAudio(createLineUpToneDetector(), render(8, [signal]), ["FC"]).events).toEqual([]);
    }
  });

  it("does not take the beeps of a flash/beep sync signal for a steady tone", () => {
    const beeps = (t: number, frame: number) => (t % 1 < 0.1 ? lineUp(t, frame) : 0);

    expect(runAudio(createLineUpToneDetector(), render(12, [beeps, beeps]), STEREO).events).toEqual([]);
  });

  it("reports a tone on one leg with the other silent, naming that leg", () => {
    const { closed } = runAudio(createLineUpToneDetector(), render(8, [zero, lineUp]), STEREO);

    expect(closed.map((d) => d.metrics.channels)).toEqual([["FR"]]);
  });

  it("finds another line-up frequency when told", () => {
    const samples = render(8, [tone(400, -18)]);

    expect(runAudio(createLineUpToneDetector({ toneFrequency: 400 }), samples, ["FC"]).closed).toHaveLength(
      1,
    );
  });

  it("refuses options that make no sense, naming them", () => {
    expect(() => LineUpToneOptions.parse({ toneMaxResidualDb: 5 })).toThrow(/toneMaxResidualDb/);
    expect(() => LineUpToneOptions.parse({ minDuration: -1 })).toThrow(/minDuration/);
  });
});
