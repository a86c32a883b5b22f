/**
 * Detection across the formats media comes in (support/format-matrix.ts): every clip analysed to its end, its
 * duration as long as it is, each defect type found with precision and recall of at least 0.95 over the whole
 * matrix, onsets and ends within 0.25 s, on the right audio track. Block corruption has no truth here (the
 * clips are clean): it is scored for false alarms. Loudness is left to its own suites (EBU Tech 3341/3342): a
 * clipped passage here is a true-peak over as well.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../core-service/src/domain/report.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { makeDelivery } from "../support/delivery-media.ts";
import { formatMatrix, type MatrixClip } from "../support/format-matrix.ts";
import { expectFoundWell, Scoreboard } from "../support/scoring.ts";

const TOLERANCE_SECONDS = 0.25;
const FOUND_TYPES = ["black", "freeze", "silence", "clipping"] as const;
const CLEAN_TYPES = ["blockiness"] as const;
/** Generating the matrix the first time (no cache: 1080i, ProRes, DNxHR, AV1) takes minutes on 2 busy cores. */
const MATRIX_TIMEOUT_MS = 1_800_000;

const board = new Scoreboard(TOLERANCE_SECONDS);
const reports: { clip: MatrixClip; report: Report }[] = [];

describe("detection across the format matrix", () => {
  beforeAll(async () => {
    for (const clip of formatMatrix()) {
      const report = await analyzeSource(await makeDelivery(clip.spec), { allowLocalFiles: true });
      reports.push({ clip, report });
      board.add(clip.name, clip.truths, report.defects, [...FOUND_TYPES, ...CLEAN_TYPES]);
    }
  }, MATRIX_TIMEOUT_MS);

  it("analyses every clip to its end: its duration is the media's, on any timeline", () => {
    const wrong = reports
      .filter(({ clip, report }) => Math.abs(report.media.duration - clip.spec.duration) > 0.3)
      .map(({ clip, report }) => `${clip.name}: ${report.media.duration} s`);
    expect(wrong).toEqual([]);
  });

  it("lists every audio track of every clip", () => {
    for (const { clip, report } of reports)
      expect(report.media.audioTracks?.length ?? 0, clip.name).toBe(clip.spec.audio?.length ?? 0);
  });

  for (const type of FOUND_TYPES) {
    it(`finds ${type} with precision and recall of at least 0.95, onset and end within ${TOLERANCE_SECONDS} s`, () =>
      expectFoundWell(board, type));
  }

  for (const type of CLEAN_TYPES) {
    it(`reports no ${type} on clean pictures of any format`, () => {
      expect(board.byType.get(type)?.falseAlarms).toEqual([]);
    });
  }
});
