/**
 * Generated media is the same bytes whatever the machine's core count (test/support/encoder-threads.ts): the
 * pinned x264 and x265 encodes of a clip made on one core and on every core of this machine agree byte for byte.
 * Their unpinned encodes are shown to differ first, so the comparison can tell.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { pinEncoderThreads } from "../support/encoder-threads.ts";

const INPUT = ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=3"];

/** The encoded bytes, made by ffmpeg allowed onto `cores` CPUs (x264 and x265 size their threads from those). */
function encode(args: readonly string[], cores: number): Buffer {
  const cpus = `0-${cores - 1}`;
  return execFileSync("taskset", ["-c", cpus, ffmpegBinaries().ffmpeg, ...args], { maxBuffer: 64 << 20 });
}

const ENCODES = {
  x264: [...INPUT, "-c:v", "libx264", "-preset", "veryfast", "-f", "h264", "-"],
  x265: [
    ...INPUT,
    "-c:v",
    "libx265",
    "-preset",
    "ultrafast",
    "-x265-params",
    "log-level=error",
    "-f",
    "hevc",
    "-",
  ],
};

describe.skipIf(availableParallelism() < 2)("generated media on any core count", () => {
  for (const [name, args] of Object.entries(ENCODES))
    it(`pins ${name}: one core and ${availableParallelism()} make the same bytes`, () => {
      const cores = availableParallelism();
      // x265 picks one frame thread below 4 cores: on a 2- or 3-core machine it agrees with itself unpinned.
      if (name === "x264" || cores >= 4) expect(encode(args, 1).equals(encode(args, cores))).toBe(false);
      const pinned = pinEncoderThreads(args);
      expect(encode(pinned, 1).equals(encode(pinned, cores))).toBe(true);
    });

  it("keeps an encode's own x265 parameters and explicit threading", () => {
    expect(pinEncoderThreads(["-c:v", "libx265", "-x265-params", "qp=30", "out.mp4"])).toEqual([
      ...["-c:v", "libx265", "-x265-params", "frame-threads=1:qp=30", "out.mp4"],
    ]);
    expect(pinEncoderThreads(["-c:v", "libx264", "-threads", "1", "out.mp4"])).toEqual([
      ...["-c:v", "libx264", "-threads", "3", "-threads", "1", "out.mp4"],
    ]);
  });
});
