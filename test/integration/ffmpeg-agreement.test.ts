/**
 * Where ffmpeg's own detectors are right — plain black, a bit-identical freeze, digital silence — avmon finds
 * the same intervals, within 0.2 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { runFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { makeClip } from "../support/test-media.ts";

interface Interval {
  start: number;
  end: number;
}

const AGREEMENT_SECONDS = 0.2;
let ours: Defect[] = [];
let theirs: { black: Interval[]; freeze: Interval[]; silence: Interval[] };

describe("agreement with ffmpeg's blackdetect, freezedetect and silencedetect", () => {
  beforeAll(async () => {
    const clip = await makeClip({
      duration: 12,
      container: "mkv",
      video: {
        codec: "ffv1",
        size: "320x180",
        fps: "25",
        events: [
          { type: "black", start: 1.5, end: 4 },
          { type: "freeze", start: 6, end: 9.2 },
        ],
      },
      audio: { codec: "pcm_s16le", channels: 2, events: [{ type: "silence", start: 3, end: 6.5 }] },
    });
    const report = await analyzeSource(clip, {
      allowLocalFiles: true,
      detectors: ["black", "freeze", "silence"],
    });
    ours = report.defects;
    theirs = await ffmpegIntervals(clip);
  });

  it("finds the same black interval as blackdetect", () => {
    expect(theirs.black).toHaveLength(1);
    expectSameIntervals(only("black"), theirs.black);
  });

  it("finds the same bit-identical freeze as freezedetect (leaving out the black picture it also flags)", () => {
    const black = theirs.black;
    const realFreezes = theirs.freeze.filter((f) => !black.some((b) => overlaps(b, f)));
    expect(realFreezes).toHaveLength(1);
    expectSameIntervals(only("freeze"), realFreezes);
  });

  it("finds the same digital silence as silencedetect", () => {
    expect(theirs.silence).toHaveLength(1);
    expectSameIntervals(only("silence"), theirs.silence);
  });
});

describe("black level on limited-range video, as blackdetect sets it (10% of 16..235 = code 37)", () => {
  it("calls a dark grey picture at code 45 not black and one at code 30 black, like blackdetect", async () => {
    const dir = mkdtempSync(join(tmpdir(), "avmon-black-level-"));
    try {
      const clip = join(dir, "grey-levels.mkv");
      // 2 s at each luma code: 80, 45 (dark grey), 30 (black by the 10% rule), 80.
      const level = "if(lt(T,2),80,if(lt(T,4),45,if(lt(T,6),30,80)))";
      await runFfmpeg([
        ...["-f", "lavfi", "-i", "color=c=black:s=320x180:r=25:d=8,format=yuv420p"],
        ...["-vf", `geq=lum='${level}':cb=128:cr=128`, "-c:v", "ffv1", "-color_range", "tv", clip],
      ]);
      const report = await analyzeSource(clip, { allowLocalFiles: true, detectors: ["black"] });
      const theirs = (await ffmpegIntervals(clip)).black;
      expect(theirs).toHaveLength(1);
      expect(theirs[0]?.start).toBeCloseTo(4, 1);
      ours = report.defects;
      expectSameIntervals(only("black"), theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function only(type: string): Interval[] {
  return ours.filter((d) => d.type === type).map((d) => ({ start: d.start, end: d.end ?? d.start }));
}

function expectSameIntervals(actual: Interval[], expected: Interval[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] as Interval;
    expect(Math.abs(a.start - e.start), `start ${a.start} vs ffmpeg ${e.start}`).toBeLessThanOrEqual(
      AGREEMENT_SECONDS,
    );
    expect(Math.abs(a.end - e.end), `end ${a.end} vs ffmpeg ${e.end}`).toBeLessThanOrEqual(AGREEMENT_SECONDS);
  });
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

async function ffmpegIntervals(path: string) {
  const { stderr } = await runFfmpeg([
    "-nostats",
    "-i",
    path,
    "-vf",
    "blackdetect=d=1:pix_th=0.10:pic_th=0.98,freezedetect=n=-60dB:d=2",
    "-af",
    "silencedetect=n=-60dB:d=2",
    "-f",
    "null",
    "-",
  ]);
  const numbers = (re: RegExp) => [...stderr.matchAll(re)].map((m) => Number(m[1]));
  const pair = (starts: number[], ends: number[]) =>
    starts.map((start, i) => ({ start, end: ends[i] ?? Number.NaN }));
  return {
    black: pair(numbers(/black_start:([\d.]+)/g), numbers(/black_end:([\d.]+)/g)),
    freeze: pair(numbers(/freeze_start: ([\d.]+)/g), numbers(/freeze_end: ([\d.]+)/g)),
    silence: pair(numbers(/silence_start: ([\d.]+)/g), numbers(/silence_end: ([\d.]+)/g)),
  };
}
