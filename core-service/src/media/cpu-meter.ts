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
 *
 * A live job is metered on its own instead (startLiveCpuMeter, below): a worker follows many at once, so each is
 * charged its own ffmpegs, read per pid while they run, and an even share of this process.
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
  // Fields 16 and 17 of proc(5): cutime, cstime.
  return cpuFieldsSeconds("/proc/self/stat", 13, 14);
}

/**
 * Two CPU-time fields of a /proc stat file, summed, in seconds; `first` and `second` count from the field after
 * the command name (the 3rd of proc(5) is 0). Undefined when the file cannot be read or parsed.
 */
function cpuFieldsSeconds(path: string, first: number, second: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const a = Number(fields[first]);
  const b = Number(fields[second]);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  return (a + b) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU of chosen child processes (a live job's ffmpegs), read from each one's /proc/<pid>/stat (utime + stime)
 * while it runs and kept per pid, so a connection that has ended still counts. Per pid rather than the reaped
 * tally above because a worker follows many live jobs at once and each must be charged its own children. What a
 * child spends after the last reading before it is reaped is lost: at most one reading's interval of it.
 */
export class ChildCpuTally {
  /** Seconds each running child had spent at its last reading. */
  readonly #running = new Map<number, number>();
  /** What the children that have exited spent, by their last reading (a live job may reconnect for days). */
  #ended = 0;

  /** Counts `pid` from now on, until `exited` settles. */
  add(pid: number, exited: Promise<unknown>): void {
    this.#running.set(pid, 0);
    this.#read(pid);
    // Node has reaped it by then: its stat is gone, and the pid may already be someone else's.
    const done = () => {
      this.#ended += this.#running.get(pid) ?? 0;
      this.#running.delete(pid);
    };
    exited.then(done, done);
  }

  /** CPU seconds of every child added, read afresh for those still running. */
  seconds(): number {
    let total = this.#ended;
    for (const pid of this.#running.keys()) total += this.#read(pid);
    return total;
  }

  #read(pid: number): number {
    const last = this.#running.get(pid) ?? 0;
    // Gone (or not Linux): the last reading stands.
    const seconds = Math.max(last, processCpuSeconds(pid) ?? last);
    this.#running.set(pid, seconds);
    return seconds;
  }
}

/**
 * This process's CPU (process.cpuUsage) shared evenly among the shares open while it was spent. An
 * apportionment, not a measurement: the decoded frames of every live stream pass through the same event loop
 * and Node cannot say which stream a CPU second went to, so each stream running in an interval is charged an
 * equal part of it (file jobs running beside them are charged to the live streams too).
 */
export class SharedProcessCpu {
  readonly #shares = new Map<symbol, number>();
  #last = process.cpuUsage();

  /** A share that accrues from now until closed; `seconds()` is what it has been charged so far. */
  open(): { seconds(): number; close(): void } {
    this.#apportion();
    const key = Symbol("share");
    this.#shares.set(key, 0);
    let closedAt: number | undefined;
    return {
      seconds: () => {
        if (closedAt !== undefined) return closedAt;
        this.#apportion();
        return this.#shares.get(key) ?? 0;
      },
      close: () => {
        if (closedAt !== undefined) return;
        this.#apportion();
        closedAt = this.#shares.get(key) ?? 0;
        this.#shares.delete(key);
      },
    };
  }

  #apportion(): void {
    const now = process.cpuUsage();
    const spent = (now.user - this.#last.user + now.system - this.#last.system) / 1e6;
    this.#last = now;
    if (this.#shares.size === 0) return;
    const each = spent / this.#shares.size;
    for (const [key, seconds] of this.#shares) this.#shares.set(key, seconds + each);
  }
}

/** The one process, so one apportionment of its CPU among the live jobs it follows. */
const processCpu = new SharedProcessCpu();

/** What one live job costs in CPU: its own ffmpegs, plus its share of this process (see SharedProcessCpu). */
export interface LiveCpuMeter {
  /** Counts one of the job's ffmpeg processes until it exits. */
  track(process: { pid: number | undefined; exited: Promise<unknown> }): void;
  /** CPU seconds since the meter started: the children's and the process share. */
  seconds(): number;
  /** Ends the process share; `seconds()` keeps its last value for the share and still reads the children. */
  stop(): void;
}

export function startLiveCpuMeter(shared: SharedProcessCpu = processCpu): LiveCpuMeter {
  const children = new ChildCpuTally();
  const share = shared.open();
  return {
    track: ({ pid, exited }) => {
      if (pid !== undefined) children.add(pid, exited);
    },
    seconds: () => children.seconds() + share.seconds(),
    stop: () => share.close(),
  };
}

/** utime + stime of one process in seconds, or undefined when it is gone or /proc cannot tell. */
export function processCpuSeconds(pid: number): number | undefined {
  return cpuFieldsSeconds(`/proc/${pid}/stat`, 11, 12);
}
