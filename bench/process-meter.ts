/**
 * Runs a command and measures what it cost: CPU seconds of it and every process it started (from this
 * process's reaped-children counters in /proc/self/stat), wall seconds, and peak resident memory of the whole
 * process tree (sampled). Linux only, like the service's container.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface Measurement {
  readonly label: string;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** Of the whole process tree (avmon and its ffmpeg). */
  readonly peakMemoryMiB: number;
  /** Of the command's own process alone (Node, for avmon). */
  readonly peakRootMemoryMiB: number;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MeasureOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** A failing command is measured too, instead of failing the benchmark. */
  readonly allowFailure?: boolean;
}

const CLOCK_TICKS_PER_SECOND = 100;
const SAMPLE_MS = 50;

export async function measure(
  label: string,
  command: string,
  args: readonly string[],
  options: MeasureOptions = {},
): Promise<Measurement> {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  let peakKiB = 0;
  let peakRootKiB = 0;
  const sampler = setInterval(() => {
    if (!child.pid) return;
    peakKiB = Math.max(peakKiB, treeRssKiB(child.pid));
    peakRootKiB = Math.max(peakRootKiB, rssKiB(child.pid));
  }, SAMPLE_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.once("close", resolve));
  clearInterval(sampler);
  if (exitCode !== 0 && !options.allowFailure)
    throw new Error(`${label} failed (exit ${exitCode}):\n${stderr}`);
  return {
    label,
    cpuSeconds: childrenCpuSeconds() - cpuBefore,
    wallSeconds: (performance.now() - started) / 1000,
    peakMemoryMiB: peakKiB / 1024,
    peakRootMemoryMiB: peakRootKiB / 1024,
    exitCode,
    stdout,
    stderr,
  };
}

/** utime + stime of all waited-for descendants (fields 16 and 17 of /proc/self/stat). */
export function childrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process and all its descendants, in KiB. */
function treeRssKiB(root: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  for (const pid of parents.keys()) if (descendsFrom(pid, root, parents)) total += rssKiB(pid);
  return total;
}

/** Resident memory of one process in KiB; 0 once it is gone. */
export function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function descendsFrom(pid: number, root: number, parents: Map<number, number>): boolean {
  for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parents.get(p), hops++)
    if (p === root) return true;
  return false;
}
