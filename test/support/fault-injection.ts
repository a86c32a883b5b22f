/**
 * What the invariant tests need to cause faults and check what is left afterwards: sources that never answer,
 * and the processes a test started, found by a unique string of their command line (a temporary path).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeClip } from "./test-media.ts";

/** The invariant's bound: from a fault to the call settled (or the process gone). */
export const SETTLE_MS = 2000;

/**
 * The stall period of tests whose fault comes after decoding has begun: longer than a loaded machine takes to
 * start ffmpeg (Debian's dynamically linked 5.1 can take over a second) and decode a first picture, so the
 * watchdog judges the fault and not the start-up.
 */
export const STALL_AFTER_START_SECONDS = 3;

/** 20 s of 320×180 H.264 with a black picture at 1–3 s, and AAC: long enough to be caught mid-decode. */
export function faultClip(): Promise<string> {
  return makeClip({
    duration: 20,
    container: "mp4",
    video: { codec: "libx264", size: "320x180", fps: "25", events: [{ type: "black", start: 1, end: 3 }] },
    audio: { codec: "aac", channels: 2 },
  });
}

let copies = 0;

/** A copy of `path` in `dir` under a name no other process has on its command line. */
export function uniqueCopy(dir: string, path: string): string {
  const copy = join(dir, `source-${process.pid}-${++copies}${path.slice(path.lastIndexOf("."))}`);
  copyFileSync(path, copy);
  return copy;
}

/** A named pipe nobody writes to: opening it blocks for ever, like a source that never answers. */
export function silentFifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  return path;
}

/**
 * The processes whose command line contains `text`, one `pid command line` a line ("" when none), read from
 * /proc: `text` is matched as it is (pgrep would take a URL's `?` or `.` as a regular expression).
 */
export function processesMatching(text: string): string {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    } catch {
      continue; // the process ended while we looked
    }
    if (commandLine.includes(text)) found.push(`${entry} ${commandLine}`);
  }
  return found.join("\n");
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
