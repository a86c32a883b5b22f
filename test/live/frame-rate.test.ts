import { describe, expect, it } from "vitest";
import { FrameRate } from "../../core-service/src/live/frame-rate.ts";

describe("FrameRate", () => {
  it("reads a segment-at-a-time 30 fps stream as 30 fps, not the 0 or 60 of a one-second count", () => {
    // 2 s segments of 60 frames, each decoded in the first half second after it arrives.
    const rate = new FrameRate(0, 0);
    const readings: number[] = [];
    for (let second = 1; second <= 20; second++) {
      const frames = Math.floor(second / 2) * 60;
      readings.push(rate.update(second * 1000, frames));
    }
    for (const fps of readings.slice(6)) expect(fps).toBeGreaterThanOrEqual(25);
    for (const fps of readings.slice(6)) expect(fps).toBeLessThanOrEqual(35);
  });

  it("falls to 0 within the window once frames stop", () => {
    const rate = new FrameRate(0, 0);
    for (let second = 1; second <= 10; second++) rate.update(second * 1000, second * 30);
    let fps = Number.NaN;
    for (let second = 11; second <= 17; second++) fps = rate.update(second * 1000, 300);
    expect(fps).toBe(0);
  });

  it("reads a stream that starts 2.5 s after the job at its rate once it flows, not lowered by the wait", () => {
    const rate = new FrameRate(0, 0);
    const framesAt = (second: number) => Math.max(0, Math.floor((second - 2.5) * 30));
    const readings: number[] = [];
    for (let second = 1; second <= 12; second++) readings.push(rate.update(second * 1000, framesAt(second)));
    expect(readings.slice(0, 2)).toEqual([0, 0]);
    // The window starts at the last reading without frames (2 s), so at most half a second of the wait is in
    // it: 27 fps at 7 s where a window from the job's start read 22.5, and exact once that reading has left.
    expect(readings[6]).toBeCloseTo(27, 6);
    for (const fps of readings.slice(6)) expect(fps).toBeGreaterThanOrEqual(27);
    expect(readings.slice(8)).toEqual([30, 30, 30, 30]);
  });
});
