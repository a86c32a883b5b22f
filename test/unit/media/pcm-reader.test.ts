import { describe, expect, it } from "vitest";
import { PcmReader } from "../../../core-service/src/media/frame-reader.ts";

/** Stereo float frames 0, 1, 2 … as bytes: frame n holds (n, −n). */
function stereoBytes(from: number, count: number): Uint8Array {
  const samples = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    samples[2 * i] = from + i;
    samples[2 * i + 1] = -(from + i);
  }
  return new Uint8Array(samples.buffer);
}

describe("PcmReader", () => {
  it("hands on whole sample frames whatever the chunk boundaries, and owns what it hands on", () => {
    const reader = new PcmReader(8);
    const bytes = stereoBytes(0, 100);
    // One buffer that each chunk overwrites, as a pipe's reused read buffer would.
    const shared = new Uint8Array(64);
    const handed: Float32Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = Math.min(shared.length - ((at * 7) % 13), bytes.length - at);
      shared.set(bytes.subarray(at, at + size));
      const samples = reader.push(shared.subarray(0, size));
      if (samples) handed.push(samples);
      shared.fill(0xff);
      at += size;
    }
    expect(handed.flatMap((samples) => Array.from(samples))).toEqual(
      Array.from(new Float32Array(bytes.buffer)),
    );
  });

  it("returns nothing until a whole sample frame has arrived", () => {
    const reader = new PcmReader(8);
    const bytes = stereoBytes(5, 1);
    expect(reader.push(bytes.subarray(0, 3))).toBeUndefined();
    expect(Array.from(reader.push(bytes.subarray(3)) ?? [])).toEqual([5, -5]);
  });
});
