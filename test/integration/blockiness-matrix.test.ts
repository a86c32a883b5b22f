/**
 * Block corruption across codecs and kinds of damage (test/support/blockiness-matrix.ts): every clip generated
 * by ffmpeg at test time (cached), analysed by the real pipeline, scored like the accuracy corpus. Run twice:
 * as shipped, and with decoder complaints ignored, so the pictures alone are shown to find the damage they show.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { AV1_MATRIX, BLOCKINESS_MATRIX, type MatrixClip } from "../support/blockiness-matrix.ts";
import { hasEncoder } from "../support/ffmpeg-encoders.ts";
import { Scoreboard } from "../support/scoring.ts";
import { makeClip } from "../support/test-media.ts";

const TOLERANCE_SECONDS = 0.25;
const BAR = 0.95;
/** Generating the matrix the first time (no cache) and analysing it twice takes minutes on 2 busy cores. */
const MATRIX_TIMEOUT_MS = 1_200_000;

interface Result {
  readonly clip: MatrixClip;
  readonly shipped: readonly Defect[];
  readonly picturesOnly: readonly Defect[];
}

const results: Result[] = [];

async function analyse(path: string, decoderErrors: boolean): Promise<readonly Defect[]> {
  const report = await analyzeSource(path, {
    allowLocalFiles: true,
    detectors: ["blockiness"],
    thresholds: { blockiness: { decoderErrors } },
  });
  return report.defects;
}

/** Kind of clip, for the failure messages: what a miss or false alarm belongs to. */
function cell(clip: MatrixClip): string {
  const codec = clip.spec.video?.codec ?? "?";
  const kind = clip.truths.length === 0 ? "clean" : (clip.spec.video?.events?.[0]?.type ?? "?");
  return `${codec} ${kind}`;
}

function scoreboard(clips: readonly Result[], pick: (r: Result) => readonly Defect[]): Scoreboard {
  const board = new Scoreboard(TOLERANCE_SECONDS);
  for (const r of clips) board.add(r.clip.name, r.clip.truths, pick(r), ["blockiness"]);
  return board;
}

/** Per codec and kind: truths found / truths, detections right / detections. */
function cells(clips: readonly Result[], pick: (r: Result) => readonly Defect[]): string {
  const byCell = new Map<string, Result[]>();
  for (const r of clips) byCell.set(cell(r.clip), [...(byCell.get(cell(r.clip)) ?? []), r]);
  return [...byCell]
    .map(([name, rs]) => {
      const s = scoreboard(rs, pick).byType.get("blockiness");
      return `${name}: found ${s?.matchedTruths}/${s?.truths}, right ${s?.matchedDetections}/${s?.detections}`;
    })
    .join("; ");
}

function expectPrecisionAndRecall(clips: readonly Result[], pick: (r: Result) => readonly Defect[]): void {
  const board = scoreboard(clips, pick);
  const score = board.byType.get("blockiness");
  const detail = cells(clips, pick);
  expect(score?.truths ?? 0).toBeGreaterThan(0);
  expect(
    board.recall("blockiness"),
    `misses: ${score?.misses.join("; ")} | ${detail}`,
  ).toBeGreaterThanOrEqual(BAR);
  expect(
    board.precision("blockiness"),
    `false alarms: ${score?.falseAlarms.join("; ")} | ${detail}`,
  ).toBeGreaterThanOrEqual(BAR);
}

describe("block corruption on every codec", () => {
  beforeAll(async () => {
    const clips = [...BLOCKINESS_MATRIX, ...((await hasEncoder("libsvtav1")) ? AV1_MATRIX : [])];
    for (const clip of clips) {
      const path = await makeClip(clip.spec);
      const shipped = await analyse(path, true);
      // A clean clip draws no complaint, so ignoring complaints cannot change its result: one run is enough.
      const picturesOnly = clip.truths.length > 0 ? await analyse(path, false) : shipped;
      results.push({ clip, shipped, picturesOnly });
    }
  }, MATRIX_TIMEOUT_MS);

  it("covers damage in transit, packet loss and clean content for each codec, and starved H.264, HEVC and MPEG-2", () => {
    const covered = new Set(results.map((r) => cell(r.clip)));
    for (const codec of ["libx264", "libx265", "libvpx-vp9", "mpeg2video"]) {
      expect(covered, codec).toContain(`${codec} damage`);
      expect(covered, codec).toContain(`${codec} clean`);
      expect(results.some((r) => r.clip.spec.video?.codec === codec && r.clip.name.includes("loss"))).toBe(
        true,
      );
    }
    for (const codec of ["libx264", "libx265", "mpeg2video"]) expect(covered).toContain(`${codec} starved`);
  });

  it(`finds block corruption with precision and recall of at least ${BAR}, onsets and ends within ${TOLERANCE_SECONDS} s`, () => {
    expectPrecisionAndRecall(results, (r) => r.shipped);
  });

  it(`finds the damage the pictures show and every starved stretch from the pictures alone (complaints ignored)`, () => {
    const visible = results.filter((r) => r.clip.visible);
    expect(visible.length).toBeGreaterThan(results.length / 2);
    expectPrecisionAndRecall(visible, (r) => r.picturesOnly);
  });

  it("raises nothing on clean detailed content (textures, tiles, fences, fine grids, text, footage)", () => {
    const clean = results.filter((r) => r.clip.truths.length === 0);
    const alarms = clean.flatMap((r) =>
      r.shipped.map((d) => `${r.clip.name}: ${d.start.toFixed(2)}–${d.end?.toFixed(2)}`),
    );

    expect(clean.length).toBeGreaterThanOrEqual(20);
    expect(alarms).toEqual([]);
  });
});
