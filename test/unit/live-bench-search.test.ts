/** The live bench's search (bench/live-search.ts): its arguments, the counts it tries, the real-time rule, the safety stop. */
import { describe, expect, it } from "vitest";
import {
  FIRST_COUNT,
  growCount,
  keptInRealTime,
  nextCount,
  parseLiveBenchArgs,
  safetyStop,
} from "../../bench/live-search.ts";
import { BenchUsageError } from "../../bench/usage-error.ts";

describe("parseLiveBenchArgs", () => {
  it("runs both profiles, full first, when none is named", () => {
    expect(parseLiveBenchArgs([])).toEqual({ profiles: ["full", "economy"] });
  });

  it("runs the one profile named, and stops at the count given", () => {
    expect(parseLiveBenchArgs(["--profile", "economy", "--stop-at", "4"])).toEqual({
      profiles: ["economy"],
      stopAt: 4,
    });
  });

  it("refuses an unknown profile, a stop below the defect streams plus one, and unknown arguments", () => {
    expect(() => parseLiveBenchArgs(["--profile", "lite"])).toThrow(BenchUsageError);
    expect(() => parseLiveBenchArgs(["--profile", "lite"])).toThrow(/--profile must be one of full, economy/);
    expect(() => parseLiveBenchArgs(["--stop-at", "2"])).toThrow(
      /--stop-at must be a whole number of streams ≥ 4/,
    );
    expect(() => parseLiveBenchArgs(["--stop-at"])).toThrow(/--stop-at/);
    expect(() => parseLiveBenchArgs(["--streams", "9"])).toThrow(/unknown live bench argument "--streams"/);
  });
});

describe("nextCount", () => {
  it("adds one stream at a time up to 8, then about a quarter more a step", () => {
    const counts: number[] = [];
    for (let n = nextCount(undefined, undefined); n !== undefined && n <= 80; n = nextCount(n, undefined))
      counts.push(n);
    expect(counts).toEqual([4, 5, 6, 7, 8, 10, 13, 16, 20, 25, 31, 39, 49, 61, 76]);
    expect(growCount(7)).toBe(8);
  });

  it("halves the gap between the largest count kept and the smallest that fell behind, until they are neighbours", () => {
    expect(nextCount(49, 61)).toBe(55);
    expect(nextCount(55, 61)).toBe(58);
    expect(nextCount(58, 59)).toBeUndefined();
  });

  it("ends when even the first count fell behind", () => {
    expect(nextCount(undefined, FIRST_COUNT)).toBeUndefined();
  });

  it("starts where it is told, and halves down towards the first count when that start fell behind", () => {
    expect(nextCount(undefined, undefined, { start: 20 })).toBe(20);
    expect(nextCount(20, undefined, { start: 20 })).toBe(25);
    // Below 20 nothing is known but that the defect streams alone (3) are no count to report.
    expect(nextCount(undefined, 20, { start: 20 })).toBe(11);
    expect(nextCount(11, 20, { start: 20 })).toBe(15);
  });

  it("grows no further than --stop-at", () => {
    expect(nextCount(8, undefined, { stopAt: 9 })).toBe(9);
    expect(nextCount(9, undefined, { stopAt: 9 })).toBeUndefined();
    expect(nextCount(undefined, undefined, { stopAt: 4 })).toBe(4);
    expect(nextCount(4, undefined, { stopAt: 4 })).toBeUndefined();
    expect(nextCount(undefined, undefined, { start: 20, stopAt: 6 })).toBe(6);
  });
});

describe("keptInRealTime", () => {
  const steady = { fps: 30, maxLag: 0.3, mediaRate: 1 };

  it("keeps a full-profile window where every stream decodes ≥ 27 fps and lags ≤ 2 s", () => {
    expect(keptInRealTime("full", [steady, { fps: 27, maxLag: 2, mediaRate: 0.95 }]).kept).toBe(true);
    expect(keptInRealTime("full", [steady, { ...steady, fps: 26.9 }]).kept).toBe(false);
    expect(keptInRealTime("full", [steady, { ...steady, maxLag: 2.1 }]).kept).toBe(false);
  });

  it("judges economy by lag and stream seconds a second, not by its few decoded pictures", () => {
    const economy = { fps: 1, maxLag: 0.5, mediaRate: 0.97 };
    expect(keptInRealTime("economy", [economy]).kept).toBe(true);
    expect(keptInRealTime("economy", [{ ...economy, mediaRate: 0.85 }]).kept).toBe(false);
    expect(keptInRealTime("economy", [{ ...economy, maxLag: 3 }]).kept).toBe(false);
  });

  it("reports the worst stream's figures, and keeps nothing without streams", () => {
    const verdict = keptInRealTime("full", [steady, { fps: 28, maxLag: 1.5, mediaRate: 0.9 }]);
    expect(verdict).toEqual({ kept: true, minFps: 28, maxLag: 1.5, minMediaRate: 0.9 });
    expect(keptInRealTime("full", []).kept).toBe(false);
  });
});

describe("safetyStop", () => {
  const roomy = { memoryAvailableMiB: 4096, openFiles: 100, openFilesLimit: 1024 };
  const perStream = { memoryMiB: 40, openFiles: 10 };

  it("lets streams start while memory and file descriptors have room", () => {
    expect(safetyStop(10, roomy, perStream)).toBeUndefined();
  });

  it("stops before the streams would leave less than 512 MiB of memory", () => {
    expect(safetyStop(10, { ...roomy, memoryAvailableMiB: 900 }, perStream)).toMatch(
      /10 more streams would take ~400 MiB of the 900 MiB available/,
    );
  });

  it("stops before the streams would pass 90 % of the open-files limit", () => {
    expect(safetyStop(10, { ...roomy, openFiles: 900 }, perStream)).toMatch(
      /would open ~1000 files, past 90 % of the limit of 1024/,
    );
  });
});
