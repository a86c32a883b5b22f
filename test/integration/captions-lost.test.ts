/**
 * captions-lost on generated media: H.264, HEVC and MPEG-2 video carrying CEA-608 captions (A/53 user data put
 * in by caption-injector.ts), with stretches where the caption data is gone, under a programme tone that is
 * sometimes silent. Every clip is analysed with all detectors, in the one decode; `npm run test:production-ffmpeg`
 * runs the same cases with Debian's ffmpeg 5.1.
 */
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../core-service/src/domain/report.ts";
import { decode } from "../../core-service/src/media/decoder.ts";
import { runFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { probeSource } from "../../core-service/src/media/probe.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { type CaptionClipSpec, captionGaps, makeCaptionClip } from "../support/caption-clips.ts";
import { expectFoundWell, Scoreboard, type Truth } from "../support/scoring.ts";
import { makeCached } from "../support/test-media.ts";

const TOLERANCE_SECONDS = 0.25;
/** Making the clips the first time (no cache) takes a few minutes on 2 busy cores. */
const SET_TIMEOUT_MS = 900_000;

interface Case {
  readonly name: string;
  readonly spec: CaptionClipSpec;
  /** Gaps that are no defect: too short, or silent. */
  readonly harmless?: boolean;
}

const CASES: readonly Case[] = [
  {
    name: "h264-mp4-gap-10-50",
    spec: {
      codec: "h264",
      container: "mp4",
      duration: 60,
      fps: 25,
      captions: { gaps: [{ start: 10, end: 50 }] },
    },
  },
  {
    name: "h264-ts-lost-to-the-end",
    spec: {
      codec: "h264",
      container: "ts",
      duration: 60,
      fps: 25,
      captions: { gaps: [{ start: 15, end: 60 }] },
    },
  },
  {
    name: "hevc-mkv-30fps-gap-20-55",
    spec: {
      codec: "hevc",
      container: "mkv",
      duration: 70,
      fps: 30,
      captions: { gaps: [{ start: 20, end: 55 }] },
    },
  },
  {
    name: "mpeg2-ts-gap-5-40",
    spec: {
      codec: "mpeg2video",
      container: "ts",
      duration: 50,
      fps: 25,
      captions: { gaps: [{ start: 5, end: 40 }] },
    },
  },
  {
    name: "h264-mp4-gap-with-a-silent-break",
    spec: {
      codec: "h264",
      container: "mp4",
      duration: 70,
      fps: 25,
      captions: { gaps: [{ start: 10, end: 60 }] },
      silences: [{ start: 20, end: 28 }],
    },
  },
  {
    name: "h264-mkv-two-gaps",
    spec: {
      codec: "h264",
      container: "mkv",
      duration: 95,
      fps: 25,
      captions: {
        gaps: [
          { start: 5, end: 40 },
          { start: 50, end: 85 },
        ],
      },
    },
  },
  {
    name: "h264-mp4-gap-while-silent",
    harmless: true,
    spec: {
      codec: "h264",
      container: "mp4",
      duration: 60,
      fps: 25,
      captions: { gaps: [{ start: 10, end: 50 }] },
      silences: [{ start: 9, end: 51 }],
    },
  },
  {
    name: "hevc-mp4-short-gap",
    harmless: true,
    spec: {
      codec: "hevc",
      container: "mp4",
      duration: 50,
      fps: 25,
      captions: { gaps: [{ start: 10, end: 35 }] },
    },
  },
  {
    name: "mpeg2-ts-gap-mostly-silent",
    harmless: true,
    spec: {
      codec: "mpeg2video",
      container: "ts",
      duration: 50,
      fps: 25,
      captions: { gaps: [{ start: 10, end: 45 }] },
      silences: [{ start: 15, end: 35 }],
    },
  },
  {
    name: "h264-mp4-captions-throughout",
    spec: { codec: "h264", container: "mp4", duration: 60, fps: 25, captions: { gaps: [] } },
  },
];

const NEVER_CAPTIONED: CaptionClipSpec = {
  codec: "h264",
  container: "mp4",
  duration: 60,
  fps: 25,
  captions: "never",
};

function truthsOf(c: Case): Truth[] {
  if (c.harmless) return [];
  return captionGaps(c.spec).map((gap) => ({ type: "captions-lost", start: gap.start, end: gap.end }));
}

const board = new Scoreboard(TOLERANCE_SECONDS);
const reports = new Map<string, Report>();

describe("captions-lost on captioned H.264, HEVC and MPEG-2 clips", () => {
  beforeAll(async () => {
    for (const c of CASES) {
      const report = await analyzeSource(await makeCaptionClip(c.spec), { allowLocalFiles: true });
      reports.set(c.name, report);
      board.add(c.name, truthsOf(c), report.defects, ["captions-lost"]);
    }
  }, SET_TIMEOUT_MS);

  it(`finds captions-lost with precision and recall of at least 0.95, onset and end within ${TOLERANCE_SECONDS} s`, () =>
    expectFoundWell(board, "captions-lost"));

  it("reports the captions as present in every captioned clip's media summary", () => {
    for (const c of CASES) expect(reports.get(c.name)?.media.captions, c.name).toBe(true);
  });

  it("grades a loss through programme as major and certain, measured from the last caption to their return", () => {
    const [defect] =
      reports.get("h264-mp4-gap-10-50")?.defects.filter((d) => d.type === "captions-lost") ?? [];
    expect(defect).toMatchObject({ severity: "major", confidence: 1 });
    expect(defect?.metrics.duration).toBeCloseTo(40, 0);
    expect(defect?.metrics.programmeSeconds).toBeCloseTo(40, 0);
  });

  it("counts a silent break inside a loss out of its programme time, and is less sure of it", () => {
    const [defect] =
      reports.get("h264-mp4-gap-with-a-silent-break")?.defects.filter((d) => d.type === "captions-lost") ??
      [];
    expect(defect?.metrics.programmeSeconds).toBeCloseTo(42, 0);
    expect(defect?.confidence).toBeLessThan(1);
  });
});

describe("captions-lost on sources without CEA-608/708 captions", () => {
  it("raises nothing for a source that never carried captions, and says it has none", async () => {
    const report = await analyzeSource(await makeCaptionClip(NEVER_CAPTIONED), { allowLocalFiles: true });
    expect(report.media.captions).toBe(false);
    expect(report.defects.filter((d) => d.type === "captions-lost")).toEqual([]);
  });

  it("does not see subtitles in a separate track (mov_text): no captions, nothing raised", async () => {
    const report = await analyzeSource(await withSubtitleTrack(), { allowLocalFiles: true });
    expect(report.media.captions).toBe(false);
    expect(report.defects.filter((d) => d.type === "captions-lost")).toEqual([]);
  });

  it("leaves captions out of the summary when captions-lost is not selected (nobody looked)", async () => {
    const path = await makeCaptionClip(CASES[0]?.spec as CaptionClipSpec);
    const report = await analyzeSource(path, { allowLocalFiles: true, detectors: ["black", "silence"] });
    expect(report.media.captions).toBeUndefined();
    expect(report.defects.filter((d) => d.type === "captions-lost")).toEqual([]);
  });
});

describe("caption times", () => {
  /** The media time of every picture the decoder says carries captions, with a sink that takes `delayMs` a frame. */
  async function captionTimes(path: string, delayMs: number): Promise<number[]> {
    const source = resolveSource(path, { allowLocalFiles: true });
    const media = await probeSource(source);
    const times: number[] = [];
    const slowly = () => new Promise<void>((resolve) => setTimeout(resolve, delayMs));
    await decode(
      source,
      media,
      { analysisSize: { width: 160, height: 90 }, audio: true, threads: 1, captions: true },
      {
        analysisFrame: () => (delayMs > 0 ? slowly() : undefined),
        captions: (event) => {
          times.push(event.time);
        },
      },
    );
    return times;
  }

  it("are every captioned picture's own, the same whether the detectors keep up or hold the decode back", async () => {
    const path = await makeCaptionClip(CASES[0]?.spec as CaptionClipSpec);
    const keepingUp = await captionTimes(path, 0);
    const slow = await captionTimes(path, 10);
    // 25 fps, captions everywhere but 10–50 s of 60 s: 20 s of captioned pictures.
    expect(keepingUp).toHaveLength(500);
    expect(slow).toEqual(keepingUp);
    expect(keepingUp.filter((t) => t < 30).at(-1)).toBeCloseTo(9.96, 6);
    expect(keepingUp.find((t) => t > 30)).toBeCloseTo(50, 6);
  });
});

/** The never-captioned clip with an MP4 text subtitle track that has a cue every few seconds. */
async function withSubtitleTrack(): Promise<string> {
  const clip = await makeCaptionClip(NEVER_CAPTIONED);
  const cues = Array.from({ length: 20 }, (_, i) => {
    const at = (s: number) => `00:00:${String(s).padStart(2, "0")},000`;
    return `${i + 1}\n${at(3 * i)} --> ${at(3 * i + 2)}\nLine ${i + 1}\n`;
  }).join("\n");
  const subtitles = await makeCached({ cues }, "srt", async (partial) => writeFileSync(partial, cues));
  const args = ["-i", clip, "-i", subtitles, "-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text"];
  return makeCached({ args }, "mp4", (partial) => runFfmpeg(["-y", ...args, partial]).then(() => {}));
}
