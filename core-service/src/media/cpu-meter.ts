/**
 * CPU time spent by this process and the child processes it has reaped (ffprobe, ffmpeg) since the meter
 * started: what a report's `stats.cpuSeconds` says an analysis cost.
 *
 * Children are counted by the kernel's own tally, the `cutime`/`cstime` fields of /proc/self/stat (the CPU of
 * every waited-for child, i.e. getrusage(RUSAGE_CHILDREN), which Node does not expose). Polling each child's
 * /proc/<pid>/stat instead would miss its last moments: the entry vanishes when Node reaps it. The tally counts
 * every child reaped in the window, so it is exact for `avmon analyze` (one source a process) and, in a worker
 * running several jobs at once, includes the others' children too. Where /proc is missing (not Linux) only this
 * process is counted, and `childrenCounted` says so.
 */
import { readFileSync } from "node:fs";

/** Linux's USER_HZ: the unit of /proc's CPU times, 100 on every architecture Linux runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuMeter {
  /** CPU seconds since the meter started. */
  seconds(): number;
  readonly childrenCounted: boolean;
}

export function startCpuMeter(): CpuMeter {
  const self = process.cpuUsage();
  const children = reapedChildrenSeconds();
  return {
    childrenCounted: children !== undefined,
    seconds() {
      const own = process.cpuUsage(self);
      const childSeconds = children === undefined ? 0 : (reapedChildrenSeconds() ?? children) - children;
      return (own.user + own.system) / 1e6 + childSeconds;
    },
  };
}

/** CPU seconds of every child this process has waited for, or undefined where /proc cannot tell. */
function reapedChildrenSeconds(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync("/proc/self/stat", "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 16 and 17 of proc(5) (cutime, cstime) are the 14th and 15th after the name.
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) return undefined;
  return (cutime + cstime) / CLOCK_TICKS_PER_SECOND;
}
