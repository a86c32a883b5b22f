import { beforeAll, describe, expect, it } from "vitest";
import { FILE_DEFECT_TYPES } from "../../core-service/src/domain/defect.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { CORPUS } from "../support/accuracy-corpus.ts";
import { expectFoundWell, Scoreboard } from "../support/scoring.ts";
import { makeClip } from "../support/test-media.ts";

const TOLERANCE_SECONDS = 0.25;
/** The defect types the corpus carries; the accuracy of the others is measured on their own media. */
const CORPUS_TYPES: readonly string[] = [
  ...new Set(CORPUS.flatMap((clip) => clip.truths.map((t) => t.type))),
];
/** Generating the corpus the first time (no cache) and analysing it takes a few minutes on 2 busy cores. */
const CORPUS_TIMEOUT_MS = 900_000;
const board = new Scoreboard(TOLERANCE_SECONDS);

describe("detection accuracy on generated clips with known defects", () => {
  beforeAll(async () => {
    for (const clip of CORPUS) {
      const path = await makeClip(clip.spec);
      const report = await analyzeSource(path, { allowLocalFiles: true });
      board.add(clip.name, clip.truths, report.defects, FILE_DEFECT_TYPES);
    }
  }, CORPUS_TIMEOUT_MS);

  for (const type of CORPUS_TYPES) {
    it(`finds ${type} with precision and recall of at least 0.95, onset and end within ${TOLERANCE_SECONDS} s`, () => {
      expectFoundWell(board, type);
    });
  }

  // The corpus has no sync signal, no lost or inverted channel and no line-up tone: those detectors must stay quiet.
  for (const type of FILE_DEFECT_TYPES.filter((t) => !CORPUS_TYPES.includes(t))) {
    it(`raises no ${type} on a corpus without one`, () => {
      expect(board.byType.get(type)?.falseAlarms).toEqual([]);
    });
  }
});
