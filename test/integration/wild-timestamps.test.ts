/**
 * One wild presentation timestamp (a damaged PES header, found by fuzzing) must not make a short file take hours:
 * the decoder would fill the jump with repeated pictures or silence, and the probe's duration (the span of the
 * timestamps) would claim hours. The file is analysed as the 8 s it is, its defects where they are.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { makeCached, makeClip } from "../support/test-media.ts";
import { type WildTimestamp, withWildTimestamps } from "../support/ts-timestamps.ts";

const HOUR = 3600;
let clean: string;

beforeAll(async () => {
  clean = await makeClip({
    duration: 8,
    container: "ts",
    video: {
      codec: "libx264",
      size: "320x180",
      fps: "25",
      gop: 25,
      events: [{ type: "black", start: 5, end: 7 }],
    },
    audio: { codec: "aac", channels: 2, events: [{ type: "silence", start: 2, end: 5 }] },
  });
});

function damaged(wild: readonly WildTimestamp[]): Promise<string> {
  return makeCached({ wildTimestamps: wild, of: clean }, "ts", async (partial) => {
    writeFileSync(partial, withWildTimestamps(readFileSync(clean), wild));
  });
}

const CASES: [string, WildTimestamp[]][] = [
  ["the first picture 10 h late", [{ stream: "video", packet: 0, shift: 10 * HOUR }]],
  ["the first picture 10 h early", [{ stream: "video", packet: 0, shift: -10 * HOUR }]],
  ["a picture midway 30 min late", [{ stream: "video", packet: 100, shift: 0.5 * HOUR }]],
  ["an audio frame midway 5 h late", [{ stream: "audio", packet: 15, shift: 5 * HOUR }]],
  [
    "pictures and audio frames both ways",
    [
      { stream: "video", packet: 30, shift: 2 * HOUR },
      { stream: "video", packet: 150, shift: -3 * HOUR },
      { stream: "audio", packet: 5, shift: -HOUR },
    ],
  ],
];

describe("a transport stream with a wild timestamp", () => {
  for (const [name, wild] of CASES) {
    it(`is analysed as the 8 s it is, defects in place, with ${name}`, async () => {
      const report = await analyzeSource(await damaged(wild), { allowLocalFiles: true });
      expect(report.media.duration).toBeGreaterThan(7.8);
      expect(report.media.duration).toBeLessThan(8.3);
      expect(Math.abs(report.stats.videoFrames - 200)).toBeLessThanOrEqual(3);
      const found = (type: string) => report.defects.filter((d) => d.type === type);
      expect(found("black")).toHaveLength(1);
      expect(Math.abs((found("black")[0]?.start ?? 0) - 5)).toBeLessThanOrEqual(0.25);
      expect(Math.abs((found("black")[0]?.end ?? 0) - 7)).toBeLessThanOrEqual(0.25);
      expect(found("silence")).toHaveLength(1);
      expect(Math.abs((found("silence")[0]?.start ?? 0) - 2)).toBeLessThanOrEqual(0.25);
      expect(Math.abs((found("silence")[0]?.end ?? 0) - 5)).toBeLessThanOrEqual(0.25);
      expect(found("freeze")).toEqual([]);
    }, 60_000);
  }
});
