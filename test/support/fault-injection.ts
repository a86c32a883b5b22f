/**
 * What the invariant tests need to cause faults and check what is left afterwards: sources that never answer,
 * and the processes a test started, found by a unique string of their command line (a temporary path).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";

/** A named pipe nobody writes to: opening it blocks for ever, like a source that never answers. */
export function silentFifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  return path;
}

/** The processes whose command line contains `text`, as `pgrep -af` lists them ("" when none). */
export function processesMatching(text: string): string {
  return spawnSync("pgrep", ["-af", "--", text], { encoding: "utf8" }).stdout.trim();
}

/** The pid of the first process whose command line contains every one of `texts`, once there is one. */
export async function waitForProcess(texts: readonly string[], timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [first = "", ...rest] = texts;
    const line = processesMatching(first)
      .split("\n")
      .find((l) => l && rest.every((t) => l.includes(t)));
    if (line) return Number(line.split(" ")[0]);
    if (Date.now() > deadline) throw new Error(`no process running with ${texts.join(" … ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
