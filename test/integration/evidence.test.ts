/**
 * Evidence of file analysis, from the single decode, checked for what it shows: the black defect's picture is
 * black, the freeze's is the frozen picture (against the source's own frame), a colour source gives colour
 * pictures, a sound defect gives a level strip that drops at the onset. Real ffmpeg on generated clips.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DefectType } from "../../core-service/src/domain/defect.ts";
import { EVIDENCE_FORMATS, type EvidenceImage } from "../../core-service/src/domain/evidence.ts";
import { Report } from "../../core-service/src/domain/report.ts";
import { type AnalyzeOptions, analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import type { AnalysisEvent } from "../../core-service/src/pipeline/detector-set.ts";
import { expectOneLineError } from "../support/cli-expect.ts";
import { makeDelivery } from "../support/delivery-media.ts";
import {
  decodePicture,
  meanDifference,
  meanLevel,
  meanSaturation,
  type RgbPicture,
  sourceFrameAt,
} from "../support/picture-content.ts";
import { runCli } from "../support/run-cli.ts";
import { makeClip } from "../support/test-media.ts";

const BLACK = { start: 2, end: 4.5 };
const FREEZE = { start: 6, end: 9.5 };
const SILENCE = { start: 10, end: 13 };

let clip: string;

beforeAll(async () => {
  clip = await makeClip({
    duration: 15,
    container: "mp4",
    video: {
      codec: "libx264",
      size: "640x360",
      fps: "25",
      events: [
        { type: "black", ...BLACK },
        { type: "freeze", ...FREEZE },
      ],
    },
    audio: { codec: "aac", channels: 2, events: [{ type: "silence", ...SILENCE }] },
  });
});

/** Runs the analysis with a keeper that holds each image in memory, as the worker's would store it. */
async function analyseWithEvidence(source: string, options: Partial<AnalyzeOptions> = {}) {
  const images = new Map<DefectType, EvidenceImage>();
  const events: AnalysisEvent[] = [];
  const report = await analyzeSource(source, {
    allowLocalFiles: true,
    detectors: ["black", "freeze", "silence"],
    ...options,
    onDetectorEvent: (event) => {
      events.push(event);
    },
    evidence: async ({ defect }, image) => {
      images.set(defect.type, image);
      return { thumbnail: `memory:${defect.type}`, at: image.at };
    },
  });
  return { report, images, events };
}

function pictureOf(images: Map<DefectType, EvidenceImage>, type: DefectType): RgbPicture {
  const image = images.get(type);
  if (!image) throw new Error(`no evidence for the ${type} defect (have: ${[...images.keys()].join(", ")})`);
  expect(image.format).toBe(EVIDENCE_FORMATS.picture);
  return decodePicture(image.bytes);
}

describe("evidence of a file's defects", () => {
  let result: Awaited<ReturnType<typeof analyseWithEvidence>>;
  beforeAll(async () => {
    result = await analyseWithEvidence(clip);
  });

  it("gives each defect's first event its evidence, and the report's defects too", () => {
    const opens = result.events.filter((e) => e.kind === "open");
    expect(opens.map((e) => [e.defect.type, e.evidence?.thumbnail])).toEqual([
      ["black", "memory:black"],
      ["freeze", "memory:freeze"],
      ["silence", "memory:silence"],
    ]);
    expect(result.events.filter((e) => e.kind === "close" && e.evidence)).toEqual([]);
    const report = Report.parse(result.report);
    expect(report.defects.map((d) => d.evidence?.thumbnail)).toEqual([
      "memory:black",
      "memory:freeze",
      "memory:silence",
    ]);
  });

  it("shows the black defect as a black picture taken inside it, at most 320 px wide", () => {
    const picture = pictureOf(result.images, "black");
    const at = result.images.get("black")?.at ?? Number.NaN;

    expect(picture).toMatchObject({ width: 320, height: 180 });
    expect(at).toBeGreaterThanOrEqual(BLACK.start);
    expect(at).toBeLessThan(BLACK.end);
    expect(meanLevel(picture)).toBeLessThan(12);
  });

  it("shows the freeze as the frozen picture: the source's frame at the freeze, not the moving picture before it", () => {
    const picture = pictureOf(result.images, "freeze");
    const at = result.images.get("freeze")?.at ?? Number.NaN;
    const frozen = sourceFrameAt(clip, FREEZE.start + 1, picture.width, picture.height);
    const moving = sourceFrameAt(clip, FREEZE.start - 1, picture.width, picture.height);

    expect(at).toBeGreaterThanOrEqual(FREEZE.start);
    expect(at).toBeLessThan(FREEZE.end);
    const toFrozen = meanDifference(picture, frozen);
    expect(toFrozen).toBeLessThan(6);
    expect(meanDifference(picture, moving)).toBeGreaterThan(3 * toFrozen + 3);
  });

  it("keeps the colour of a colour source", () => {
    const picture = pictureOf(result.images, "freeze");
    // testsrc2's bars are saturated; a grey or luma-only picture would be 0.
    expect(meanSaturation(picture)).toBeGreaterThan(60);
  });

  it("draws a sound defect as a level strip around its onset, the level falling at the onset", () => {
    const image = result.images.get("silence");
    expect(image?.format).toBe(EVIDENCE_FORMATS.sound);
    const svg = new TextDecoder().decode(image?.bytes);
    const silence = result.report.defects.find((d) => d.type === "silence");

    expect(image?.at).toBe(silence?.start);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="320" height="96"/);
    expect(svg).toMatch(
      /<title>silence at 00:10\.\d\d: sound level from 00:0[45]\.\d\d to 00:1[12]\.\d\d<\/title>/,
    );
    const onsetX = Number(/<line x1="([\d.]+)" x2="\1" y1="16"/.exec(svg)?.[1]);
    const rms = levelLine(svg);
    const before = rms.filter(([x]) => x < onsetX - 10).map(([, y]) => y);
    const after = rms.filter(([x]) => x > onsetX + 10).map(([, y]) => y);
    expect(before.length).toBeGreaterThan(10);
    expect(after.length).toBeGreaterThan(5);
    // y grows downwards: the tone sits high on the strip, the silence at its floor.
    expect(Math.max(...before)).toBeLessThan(45);
    expect(Math.min(...after)).toBeGreaterThan(75);
  });

  it("makes no pictures when only sound detectors run, and still draws the sound defect", async () => {
    const audioOnly = await analyseWithEvidence(clip, { detectors: ["silence"] });

    expect([...audioOnly.images.keys()]).toEqual(["silence"]);
    expect(audioOnly.images.get("silence")?.format).toBe(EVIDENCE_FORMATS.sound);
  });
});

describe("evidence of a source with several audio tracks", () => {
  it("draws a silence on the second track from that track's sound, under its own alert", async () => {
    const path = await makeDelivery({
      duration: 10,
      format: "mov",
      extension: "mov",
      video: { size: "320x180", fps: "25", encode: ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"] },
      audio: [
        { layout: "stereo", codec: "pcm_s16le" },
        { layout: "stereo", codec: "pcm_s16le", events: [{ type: "silence", start: 5, end: 8 }] },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), "avmon-evidence-tracks-"));

    const result = await runCli(["analyze", path, "--json", "--detectors", "silence", "--evidence", dir]);

    expect(result.code, result.stderr).toBe(0);
    const report = Report.parse(JSON.parse(result.stdout));
    expect(report.defects.map((d) => [d.type, d.track])).toEqual([["silence", 2]]);
    const thumbnail = report.defects[0]?.evidence?.thumbnail ?? "";
    expect(thumbnail).toMatch(new RegExp(`^${dir}/silence-track2-5\\.\\d{3}s\\.svg$`));
    const svg = readFileSync(thumbnail, "utf8");
    expect(svg).toMatch(/<title>silence on track 2 at 00:0[45]\.\d\d: /);
    // The second track's level, falling at the onset; the first track's tone never stops.
    const onsetX = Number(/<line x1="([\d.]+)" x2="\1" y1="16"/.exec(svg)?.[1]);
    const rms = levelLine(svg);
    const before = rms.filter(([x]) => x < onsetX - 10).map(([, y]) => y);
    const after = rms.filter(([x]) => x > onsetX + 10).map(([, y]) => y);
    expect(Math.max(...before)).toBeLessThan(45);
    expect(Math.min(...after)).toBeGreaterThan(75);
  });
});

describe("avmon analyze --evidence DIR", () => {
  it("writes each defect's image into DIR and names it in the report", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "avmon-evidence-")), "pictures");

    const result = await runCli([
      "analyze",
      clip,
      "--json",
      "--detectors",
      "black,silence",
      "--evidence",
      dir,
    ]);

    expect(result.code, result.stderr).toBe(0);
    const report = Report.parse(JSON.parse(result.stdout));
    const [black, silence] = report.defects;
    expect(black?.evidence?.thumbnail).toMatch(new RegExp(`^${dir}/black-2\\.\\d{3}s\\.jpg$`));
    expect(silence?.evidence?.thumbnail).toMatch(new RegExp(`^${dir}/silence-10\\.\\d{3}s\\.svg$`));
    expect(meanLevel(decodePicture(readFileSync(black?.evidence?.thumbnail ?? "")))).toBeLessThan(12);
    expect(readFileSync(silence?.evidence?.thumbnail ?? "", "utf8")).toMatch(/^<svg /);
  });

  it("refuses a folder it cannot make before decoding anything", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "avmon-evidence-")), "a-file");
    writeFileSync(file, "");

    const result = await runCli(["analyze", clip, "--evidence", join(file, "pictures")]);

    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /--evidence .*a-file\/pictures: cannot make that folder \(ENOTDIR\)/);
  });

  it("leaves the report as it was without --evidence", async () => {
    const result = await runCli(["analyze", clip, "--json", "--detectors", "black"]);

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).defects[0]).not.toHaveProperty("evidence");
  });
});

/** The RMS polyline's points (the second polyline; the first is the peak). */
function levelLine(svg: string): [number, number][] {
  const lines = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1] ?? "");
  return (lines[1] ?? "").split(" ").map((pair) => pair.split(",").map(Number) as [number, number]);
}
