import { beforeAll, describe, expect, it } from "vitest";
import { FILE_DEFECT_TYPES } from "../../core-service/src/domain/defect.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { CORPUS } from "../support/accuracy-corpus.ts";
import { expectFoundWell, Scoreboard } from "../support/scoring.ts";
import { makeClip } from "../support/test-media.ts";

const TOLERANCE_SECONDS = 0.25;
/** Generating the corpus the first time (no cache) and analysing it takes a few minutes on 2 busy cores. */
const CORPUS_TIMEOUT_MS = 900_000;
const board = new Scoreboard(TOLERANCE_SECONDS);
/**
 * Types whose media the corpus cannot make (ClipSpec has no such content), scored by their own suites; on the
 * corpus they must raise nothing at all.
 */
const SCORED_ELSEWHERE: Readonly<Record<string, string>> = {
  "captions-lost": "test/integration/captions-lost.test.ts (the corpus carries no captions)",
};

describe("detection accuracy on generated clips with known defects", () => {
  beforeAll(async () => {
    for (const clip of CORPUS) {
      const path = await makeClip(clip.spec);
      const report = await analyzeSource(path, { allowLocalFiles: true });
      board.add(clip.name, clip.truths, report.defects, FILE_DEFECT_TYPES);
    }
  }, CORPUS_TIMEOUT_MS);

  for (const type of FILE_DEFECT_TYPES) {
    const elsewhere = SCORED_ELSEWHERE[type];
    if (elsewhere) {
      it(`raises no ${type} on the corpus (scored in ${elsewhere})`, () =>
        expect(board.byType.get(type)?.falseAlarms).toEqual([]));
      continue;
    }
    it(`finds ${type} with precision and recall of at least 0.95, onset and end within ${TOLERANCE_SECONDS} s`, () =>
      expectFoundWell(board, type));
  }
});
