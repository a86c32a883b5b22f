/** Runs the real `avmon` command line as a user would, capturing its output and exit code. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const BIN = join(import.meta.dirname, "../../bin/avmon.mjs");

export interface CliOptions {
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** Starts `avmon`; `result` settles when the process has ended (and rejects when it outlives the timeout). */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...options.env } });
  const result = collectCli(child, `avmon ${args.join(" ")}`, options.timeoutMs ?? 60_000);
  return { child, result };
}

/** Waits for a CLI process to end, collecting its output; kills it and rejects after `timeoutMs`. */
export function collectCli(child: ChildProcess, what: string, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What is wrong with a failed command's stderr, if anything: it must be one `avmon: …` line, no stack trace. */
export function errorOutputProblem(stderr: string): string | undefined {
  const lines = stderr.trim().split("\n");
  if (/\n\s+at /.test(stderr)) return "a stack trace";
  if (lines.length !== 1) return `${lines.length} lines instead of one`;
  if (!lines[0]?.startsWith("avmon: ")) return "a line that does not start with `avmon: `";
  return undefined;
}
