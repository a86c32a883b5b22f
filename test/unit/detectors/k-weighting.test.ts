import { describe, expect, it } from "vitest";
import {
  KWeightingFilter,
  magnitudeResponseDb,
  preFilter,
  rlbHighPass,
} from "../../../core-service/src/detectors/k-weighting.ts";

/** ITU-R BS.1770-4, tables 1 and 2: the published 48 kHz coefficients. */
const BS1770_PRE_FILTER_48K = {
  b0: 1.53512485958697,
  b1: -2.69169618940638,
  b2: 1.19839281085285,
  a1: -1.69065929318241,
  a2: 0.73248077421585,
};
const BS1770_RLB_48K = { b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621 };

function kWeighting(sampleRate: number) {
  return [preFilter(sampleRate), rlbHighPass(sampleRate)];
}

describe("K-weighting filter design", () => {
  it("reproduces the standard's 48 kHz pre-filter coefficients", () => {
    const derived = preFilter(48000);
    for (const [name, value] of Object.entries(BS1770_PRE_FILTER_48K)) {
      expect(Math.abs(derived[name as keyof typeof derived] - value), name).toBeLessThan(1e-6);
    }
  });

  it("reproduces the standard's 48 kHz RLB high-pass coefficients", () => {
    const derived = rlbHighPass(48000);
    for (const [name, value] of Object.entries(BS1770_RLB_48K)) {
      expect(Math.abs(derived[name as keyof typeof derived] - value), name).toBeLessThan(1e-6);
    }
  });

  it("has the same frequency response at 44.1 kHz as the standard's 48 kHz filter through the audible band", () => {
    const reference = [BS1770_PRE_FILTER_48K, BS1770_RLB_48K];
    for (const frequency of [20, 50, 100, 500, 997, 2000, 5000, 10000, 15000]) {
      const at44 = magnitudeResponseDb(kWeighting(44100), frequency, 44100);
      const at48 = magnitudeResponseDb(reference, frequency, 48000);
      expect(Math.abs(at44 - at48), `${frequency} Hz`).toBeLessThan(0.05);
    }
  });

  it("boosts 997 Hz by the 0.691 dB that the loudness formula takes off again", () => {
    for (const rate of [44100, 48000]) {
      expect(Math.abs(magnitudeResponseDb(kWeighting(rate), 997, rate) - 0.691), `${rate} Hz`).toBeLessThan(
        0.005,
      );
    }
    // Bilinear mapping matches the prototype exactly only at the corner; elsewhere it drifts with the rate.
    for (const rate of [32000, 96000, 192000]) {
      expect(Math.abs(magnitudeResponseDb(kWeighting(rate), 997, rate) - 0.691), `${rate} Hz`).toBeLessThan(
        0.03,
      );
    }
  });

  it("cuts low frequencies and lifts high ones as the K curve does", () => {
    const at48 = (f: number) => magnitudeResponseDb(kWeighting(48000), f, 48000);
    expect(at48(20)).toBeLessThan(-10);
    expect(at48(10000)).toBeGreaterThan(3.5);
    expect(at48(10000)).toBeLessThan(4.5);
  });
});

describe("KWeightingFilter", () => {
  it("gives the same output whether the signal arrives whole or in odd-sized pieces", () => {
    const channels = 2;
    const frames = 4801;
    const samples = Float32Array.from({ length: frames * channels }, (_, i) => Math.sin(i * 0.37) * 0.5);
    const whole = new KWeightingFilter(48000).sumOfSquares(samples, 1, channels, 0, frames);
    const pieced = new KWeightingFilter(48000);
    let sum = 0;
    for (let from = 0; from < frames; from += 733) {
      sum += pieced.sumOfSquares(samples, 1, channels, from, Math.min(frames, from + 733));
    }
    expect(sum).toBeCloseTo(whole, 9);
  });

  it("reads only its own channel of interleaved audio", () => {
    const frames = 48000;
    const leftOnly = new Float32Array(frames * 2);
    for (let f = 0; f < frames; f++) leftOnly[2 * f] = Math.sin((2 * Math.PI * 1000 * f) / 48000);
    expect(new KWeightingFilter(48000).sumOfSquares(leftOnly, 0, 2, 0, frames)).toBeGreaterThan(1000);
    expect(new KWeightingFilter(48000).sumOfSquares(leftOnly, 1, 2, 0, frames)).toBe(0);
  });
});
