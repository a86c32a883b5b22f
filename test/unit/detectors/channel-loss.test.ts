import { describe, expect, it } from "vitest";
import {
  ChannelLossOptions,
  createChannelLossDetector,
} from "../../../core-service/src/detectors/channel-loss.ts";
import { during, programme, render, runAudio, STEREO, SURROUND_51, scaled, zero } from "./synthetic-audio.ts";

const left = programme(-20, 1);
const right = programme(-20, 2);

describe("channel-loss detector", () => {
  it("reports the right leg of a stereo pair silent from 3 s to 12 s while the left carries programme", () => {
    const samples = render(16, [left, during(3, 12, zero, right)]);

    const { events, closed } = runAudio(createChannelLossDetector(), samples, STEREO);

    expect(closed).toHaveLength(1);
    const [loss] = closed;
    expect(loss?.type).toBe("channel-loss");
    expect(loss?.start).toBeCloseTo(3, 1);
    expect(loss?.end).toBeCloseTo(12, 1);
    expect(loss?.metrics).toMatchObject({ channels: ["FR"], duration: expect.closeTo(9, 0) });
    expect(loss?.metrics.programmeLevelDb).toBeGreaterThan(-30);
    expect(loss?.confidence).toBe(1);
    const opened = events.filter((e) => e.kind === "open");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.defect.start).toBeCloseTo(3, 1);
  });

  it("reports both surrounds of a 5.1 track lost together as one defect naming them", () => {
    const surround = programme(-26, 5);
    const samples = render(14, [
      left,
      right,
      programme(-22, 3),
      scaled(programme(-30, 4), 0.5),
      during(4, 11, zero, surround),
      during(4.02, 11, zero, programme(-26, 6)),
    ]);

    const { closed } = runAudio(createChannelLossDetector(), samples, SURROUND_51);

    expect(closed.map((d) => d.metrics.channels)).toEqual([["BL", "BR"]]);
    expect(closed[0]?.start).toBeCloseTo(4, 1);
    expect(closed[0]?.end).toBeCloseTo(11, 1);
  });

  it("ignores a 5.1 track whose LFE is silent throughout, as much programme is", () => {
    const samples = render(12, [left, right, programme(-22, 3), zero, programme(-26, 5), programme(-26, 6)]);

    expect(runAudio(createChannelLossDetector(), samples, SURROUND_51).events).toEqual([]);
  });

  it("watches the LFE too when told to ignore nothing", () => {
    const samples = render(12, [left, right, programme(-22, 3), zero, programme(-26, 5), programme(-26, 6)]);

    const { closed } = runAudio(createChannelLossDetector({ ignoreChannels: [] }), samples, SURROUND_51);

    expect(closed.map((d) => d.metrics.channels)).toEqual([["LFE"]]);
  });

  it("leaves a track silent in every channel to the silence detector", () => {
    const samples = render(12, [during(2, 10, zero, left), during(2, 10, zero, right)]);

    expect(runAudio(createChannelLossDetector(), samples, STEREO).events).toEqual([]);
  });

  it("does not report a channel silent for less than the minimum duration", () => {
    const samples = render(12, [left, during(3, 7.5, zero, right)]);

    expect(runAudio(createChannelLossDetector(), samples, STEREO).events).toEqual([]);
  });

  it("does not take a quiet channel (−50 dBFS) for a lost one", () => {
    const samples = render(12, [left, programme(-50, 2)]);

    expect(runAudio(createChannelLossDetector(), samples, STEREO).events).toEqual([]);
  });

  it("does not count a channel as lost while the others are too quiet to be programme", () => {
    const samples = render(12, [programme(-52, 1), zero]);

    expect(runAudio(createChannelLossDetector(), samples, STEREO).events).toEqual([]);
  });

  it("ends a loss where the whole track falls silent, and starts a new one when programme resumes without it", () => {
    const samples = render(30, [during(10, 14, zero, left), zero]);

    const { closed } = runAudio(createChannelLossDetector(), samples, STEREO);

    expect(closed.map((d) => [d.start, d.end])).toEqual([
      [0, expect.closeTo(10, 1)],
      [expect.closeTo(14, 1), 30],
    ]);
  });

  it("names channels by number when the layout is unknown", () => {
    const samples = render(10, [left, right, zero]);

    const { closed } = runAudio(createChannelLossDetector(), samples, ["", "", ""]);

    expect(closed.map((d) => d.metrics.channels)).toEqual([[3]]);
  });

  it("finds the same loss whatever size the chunks come in", () => {
    const samples = render(12, [left, during(2.5, 9, zero, right)]);
    const bounds = (chunkFrames: number) =>
      runAudio(createChannelLossDetector(), samples, STEREO, { chunkFrames }).closed.map((d) => [
        d.start,
        d.end,
      ]);

    expect(bounds(333)).toEqual(bounds(4096));
  });

  it("refuses options that make no sense, naming them", () => {
    expect(() => ChannelLossOptions.parse({ floorDb: 3 })).toThrow(/floorDb/);
    expect(() => ChannelLossOptions.parse({ minDuration: 0 })).toThrow(/minDuration/);
  });
});
