/**
 * `npm run fuzz [-- --seed N] [--cases N] [--only I] [--concurrency N] [--budget S]`: damages the test media
 * (truncation, byte flips in headers and payloads, spliced files, wrong extensions) and runs `avmon analyze`
 * on each, checking that every case ends within its budget with a report or one clear line, no stack trace,
 * no ffmpeg left running. Prints the seed first and each failing case's recipe; exits 1 when a case failed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { recipeOf, runFuzz } from "../test/support/fuzz/fuzz-runner.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    cases: { type: "string", default: "200" },
    only: { type: "string" },
    concurrency: { type: "string", default: "2" },
    budget: { type: "string", default: "30" },
  },
});
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const cases = Number(values.cases);
process.stdout.write(`avmon fuzz: seed ${seed}, ${cases} cases (replay with --seed ${seed})\n`);

const workDir = mkdtempSync(join(tmpdir(), "avmon-fuzz-"));
try {
  const outcomes = await runFuzz({
    seed,
    cases,
    workDir,
    only: values.only === undefined ? undefined : Number(values.only),
    concurrency: Number(values.concurrency),
    budgetSeconds: Number(values.budget),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const failures = outcomes.filter((o) => o.problem);
  const reports = outcomes.filter((o) => !o.problem && o.code === 0).length;
  process.stdout.write(
    `\n${outcomes.length} cases: ${reports} reports, ${outcomes.length - reports - failures.length} clear errors, ${failures.length} failed (seed ${seed})\n`,
  );
  for (const failure of failures) process.stdout.write(`${recipeOf(failure, seed)}\n`);
  process.exitCode = failures.length > 0 ? 1 : 0;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
