/**
 * Runs `avmon analyze --json` on each planned case, as a user would, and checks the invariant: it ends within
 * its budget, with a valid report (exit 0) or one `avmon: …` line that is not an internal error (no stack
 * trace), and no ffmpeg/ffprobe is left running on the file.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Report } from "../../../core-service/src/domain/report.ts";
import { processesMatching } from "../fault-injection.ts";
import { errorOutputProblem, startCli } from "../run-cli.ts";
import { applyMutation, type FuzzCase, planCases } from "./mutations.ts";
import { type SeedFile, seedFiles } from "./seed-media.ts";

export interface FuzzOptions {
  readonly seed: number;
  readonly cases: number;
  /** Where the damaged files are written. */
  readonly workDir: string;
  /** Cases run at once. */
  readonly concurrency?: number;
  /** Wall seconds a case may take, start-up included. */
  readonly budgetSeconds?: number;
  /** Run only the case with this index (to replay one). */
  readonly only?: number;
  readonly log?: (line: string) => void;
}

export interface FuzzOutcome {
  readonly fuzzCase: FuzzCase;
  readonly code: number | null;
  readonly seconds: number;
  /** What broke the invariant; undefined when the case passed. */
  readonly problem: string | undefined;
  /** The error line, or "report". */
  readonly summary: string;
}

/**
 * The default limits but a short watchdog, so a decoder stuck on a damaged file ends well within a case's
 * budget. (The media-duration cap stays the default: a damaged timestamp that declares hours must not cost
 * more than the seconds the file really holds.)
 */
const LIMITS_ENV = { AVMON_STALL_SECONDS: "5" };

export async function runFuzz(options: FuzzOptions): Promise<FuzzOutcome[]> {
  const seeds = (await seedFiles()).map((s) => ({ ...s, size: statSync(s.path).size }));
  const byName = new Map<string, SeedFile>(seeds.map((s) => [s.name, s]));
  const bytes = new Map<string, Buffer>();
  const bytesOf = (name: string) => {
    const seed = byName.get(name);
    if (!seed) throw new Error(`no seed file named ${name}`);
    if (!bytes.has(name)) bytes.set(name, readFileSync(seed.path));
    return bytes.get(name) as Buffer;
  };
  const planned = planCases(seeds, options.seed, options.cases).filter(
    (c) => options.only === undefined || c.index === options.only,
  );
  const outcomes: FuzzOutcome[] = [];
  const queue = [...planned];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const path = join(options.workDir, `case-${options.seed}-${next.index}.${next.extension}`);
      writeFileSync(path, applyMutation(next.mutation, bytesOf));
      const outcome = await runCase(next, path, (options.budgetSeconds ?? 30) * 1000);
      outcomes.push(outcome);
      options.log?.(describeOutcome(outcome));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  return outcomes.sort((a, b) => a.fuzzCase.index - b.fuzzCase.index);
}

async function runCase(fuzzCase: FuzzCase, path: string, budgetMs: number): Promise<FuzzOutcome> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const run = startCli(["analyze", path, "--json"], {
    timeoutMs: budgetMs,
    env: LIMITS_ENV,
  });
  let result: Awaited<typeof run.result>;
  try {
    result = await run.result;
  } catch {
    killLeftovers(path);
    return {
      fuzzCase,
      code: null,
      seconds: seconds(),
      problem: `no result within ${budgetMs / 1000} s (a hang)`,
      summary: "",
    };
  }
  const leftovers = processesMatching(path);
  killLeftovers(path);
  const summary = result.code === 0 ? "report" : (result.stderr.trim().split("\n")[0] ?? "");
  const problem = leftovers
    ? `left running after avmon ended: ${leftovers}`
    : verdictProblem(result.code, result.stdout, result.stderr);
  return { fuzzCase, code: result.code, seconds: seconds(), problem, summary };
}

function verdictProblem(code: number | null, stdout: string, stderr: string): string | undefined {
  if (code === null) return "avmon was killed by a signal";
  if (code === 0) {
    try {
      Report.parse(JSON.parse(stdout));
      return undefined;
    } catch (error) {
      return `exit 0 without a valid report (${(error as Error).message.slice(0, 200)})`;
    }
  }
  const problem = errorOutputProblem(stderr);
  if (problem) return `stderr has ${problem}: ${stderr.slice(0, 500)}`;
  if (/^avmon: internal error:/.test(stderr)) return `a bug surfaced: ${stderr.trim()}`;
  return undefined;
}

function killLeftovers(path: string): void {
  for (const line of processesMatching(path).split("\n")) {
    const pid = Number(line.split(" ")[0]);
    if (pid > 0) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Ended meanwhile.
      }
    }
  }
}

export function describeOutcome(outcome: FuzzOutcome): string {
  const { fuzzCase } = outcome;
  const verdict = outcome.problem ? `FAIL: ${outcome.problem}` : `ok (${outcome.summary})`;
  return `case ${fuzzCase.index} ${fuzzCase.mutation.kind} of ${fuzzCase.mutation.seed} as .${fuzzCase.extension}, ${outcome.seconds} s: ${verdict}`;
}

/** What to print for a failing case, so it can be replayed. */
export function recipeOf(outcome: FuzzOutcome, seed: number): string {
  return `seed ${seed}, case ${outcome.fuzzCase.index}: ${JSON.stringify(outcome.fuzzCase)}\n  replay: npm run fuzz -- --seed ${seed} --cases ${outcome.fuzzCase.index + 1} --only ${outcome.fuzzCase.index}`;
}
