/**
 * The seeded, smaller run of `npm run fuzz` (see scripts/fuzz.ts): damaged copies of the test media, each
 * analysed by `avmon analyze`, must end with a report or one clear line, within budget, leaving nothing
 * running. A failure prints the recipe that replays it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recipeOf, runFuzz } from "../support/fuzz/fuzz-runner.ts";

const SEED = 20_261_201;
const CASES = 30;
const workDir = mkdtempSync(join(tmpdir(), "avmon-fuzz-test-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("fuzzing avmon analyze", () => {
  it(`ends every one of ${CASES} damaged files (seed ${SEED}) with a report or one clear line`, async () => {
    const outcomes = await runFuzz({ seed: SEED, cases: CASES, workDir, budgetSeconds: 30 });
    expect(outcomes).toHaveLength(CASES);
    const failures = outcomes.filter((o) => o.problem).map((o) => `${o.problem}\n${recipeOf(o, SEED)}`);
    expect(failures).toEqual([]);
    // The damage is real: some cases are refused, and some still give a report.
    expect(outcomes.some((o) => o.code === 0)).toBe(true);
    expect(outcomes.some((o) => o.code !== 0)).toBe(true);
  }, 600_000);
});
