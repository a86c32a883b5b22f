/**
 * The live bench's streams: each a separate analyzeLive (its own connection and ffmpeg) of one profile, the
 * defect streams on the defect origin and the rest on the healthy one, and what this process tree costs while
 * they run (CPU, memory, open files; Linux /proc, like the service's container).
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { defectKind } from "../core-service/src/domain/defect.ts";
import type { LiveProfile } from "../core-service/src/domain/job.ts";
import { analyzeLive } from "../core-service/src/live/analyze-live.ts";
import type { LiveStats } from "../core-service/src/live/types.ts";
import { injectedType, type Timed } from "./live-defects.ts";
import {
  DEFECT_STREAMS,
  keptInRealTime,
  type Resources,
  type StreamWindow,
  type WindowVerdict,
} from "./live-search.ts";
import { rssKiB } from "./process-meter.ts";

const CLOCK_TICKS_PER_SECOND = 100;

interface Stream {
  readonly stop: AbortController;
  done: Promise<unknown>;
  readonly pids: Set<number>;
  /** Wall-clock ms of each open of an injected defect type (the defect streams' alert latencies). */
  readonly opens: Timed[];
  /** Every open's defect kind and wall-clock ms, for the healthy streams: a healthy stream should raise none. */
  readonly allOpens: { readonly kind: string; readonly atMs: number; readonly detail: string }[];
  latest?: LiveStats;
  latestAtMs: number;
  fpsSamples: number[];
  maxLag: number;
  windowStart?: { streamTime: number; atMs: number };
}

export interface Window {
  readonly seconds: number;
  readonly verdict: WindowVerdict;
  /** CPU seconds of this process (the streams' analysis, the origins' HTTP serving) and the streams' ffmpegs. */
  readonly cpuSeconds: number;
  /** Resident memory of this process and the streams' ffmpegs at the window's end, MiB. */
  readonly rssMiB: number;
  readonly openFiles: number;
  /** Opens raised by healthy streams during the window, by defect kind, and their economy escalations. */
  readonly healthyOpens: Readonly<Record<string, number>>;
  /** Each of those opens: kind, stream time and metrics, to tell what a false alarm measured. */
  readonly healthyDetails: readonly string[];
  readonly healthyEscalations: number;
  /** The defect streams' largest lag in the window: their alert latencies include it. */
  readonly defectMaxLag: number;
}

export class StreamSet {
  private readonly defect: Stream[] = [];
  private readonly healthy: Stream[] = [];

  constructor(
    private readonly profile: LiveProfile,
    private readonly urls: { readonly healthy: string; readonly defect: string },
  ) {
    for (let i = 0; i < DEFECT_STREAMS; i++) this.defect.push(this.start(urls.defect));
  }

  get size(): number {
    return this.defect.length + this.healthy.length;
  }

  /** The defect streams' opens of injected defect types, one list a stream. */
  defectOpens(): Timed[][] {
    return this.defect.map((s) => s.opens);
  }

  /** Starts or stops healthy streams until there are `count` streams in all. */
  async resize(count: number): Promise<void> {
    while (this.size < count) this.healthy.push(this.start(this.urls.healthy));
    const removed = this.healthy.splice(Math.max(0, count - DEFECT_STREAMS));
    for (const s of removed) s.stop.abort();
    await Promise.allSettled(removed.map((s) => s.done));
  }

  /** Watches every stream for `ms` and judges the healthy ones (live-search.ts keptInRealTime). */
  async measure(ms: number): Promise<Window> {
    const all = [...this.defect, ...this.healthy];
    for (const s of all) resetWindow(s);
    const escalationsBefore = sum(this.healthy.map((s) => s.latest?.escalations?.count ?? 0));
    const startedMs = Date.now();
    const cpuBefore = processTreeCpuSeconds(all.flatMap((s) => [...s.pids]));
    await sleep(ms);
    const pids = all.flatMap((s) => [...s.pids]);
    return {
      seconds: (Date.now() - startedMs) / 1000,
      verdict: keptInRealTime(this.profile, this.healthy.map(streamWindow)),
      cpuSeconds: processTreeCpuSeconds(pids) - cpuBefore,
      rssMiB: processTreeMiB(pids),
      openFiles: openFiles(),
      healthyOpens: countKinds(this.healthyOpensSince(startedMs)),
      healthyDetails: this.healthyOpensSince(startedMs).map((o) => o.detail),
      healthyEscalations: sum(this.healthy.map((s) => s.latest?.escalations?.count ?? 0)) - escalationsBefore,
      defectMaxLag: Math.max(...this.defect.map((s) => s.maxLag)),
    };
  }

  async close(): Promise<void> {
    const all = [...this.defect.splice(0), ...this.healthy.splice(0)];
    for (const s of all) s.stop.abort();
    await Promise.allSettled(all.map((s) => s.done));
  }

  private healthyOpensSince(startedMs: number): Stream["allOpens"] {
    return this.healthy.flatMap((s) => s.allOpens.filter((o) => o.atMs >= startedMs));
  }

  private start(url: string): Stream {
    const stream: Stream = {
      stop: new AbortController(),
      done: Promise.resolve(),
      pids: new Set(),
      opens: [],
      allOpens: [],
      latestAtMs: 0,
      fpsSamples: [],
      maxLag: 0,
    };
    stream.done = analyzeLive(url, {
      profile: this.profile,
      signal: stream.stop.signal,
      onDetectorEvent: (event) => {
        if (event.kind !== "open") return;
        const { start, metrics } = event.defect;
        const detail = `${defectKind(event.defect)} at ${start.toFixed(1)} s ${JSON.stringify(metrics ?? {})}`;
        stream.allOpens.push({ kind: defectKind(event.defect), atMs: Date.now(), detail });
        const type = injectedType(event.defect);
        if (type) stream.opens.push({ type, atMs: Date.now() });
      },
      onProcess: ({ pid, exited }) => {
        if (!pid) return;
        stream.pids.add(pid);
        void exited.then(() => stream.pids.delete(pid));
      },
      onStats: (stats) => {
        stream.latest = stats;
        stream.latestAtMs = Date.now();
        stream.fpsSamples.push(stats.framesPerSecond);
        stream.maxLag = Math.max(stream.maxLag, stats.lagSeconds);
      },
    }).catch((error: unknown) => {
      // A stream that ends on its own stops reporting and fails the next window; say why once.
      process.stderr.write(`live bench: a stream ended: ${String(error)}\n`);
    });
    return stream;
  }
}

function resetWindow(stream: Stream): void {
  stream.fpsSamples = [];
  stream.maxLag = stream.latest?.lagSeconds ?? 0;
  const streamTime = stream.latest?.streamTime;
  stream.windowStart = streamTime === undefined ? undefined : { streamTime, atMs: stream.latestAtMs };
}

function streamWindow(stream: Stream): StreamWindow {
  const start = stream.windowStart;
  const end = stream.latest?.streamTime;
  const wallSeconds = start ? (stream.latestAtMs - start.atMs) / 1000 : 0;
  return {
    fps: stream.fpsSamples.length ? sum(stream.fpsSamples) / stream.fpsSamples.length : 0,
    maxLag: stream.maxLag,
    mediaRate: start && end !== undefined && wallSeconds > 0 ? (end - start.streamTime) / wallSeconds : 0,
  };
}

function countKinds(opens: readonly { readonly kind: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { kind } of opens) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * CPU seconds so far of this process and the given children (utime + stime in USER_HZ): a window's difference
 * is what the streams cost. The origins' ffmpegs (not listed) are left out, their HTTP serving in this process
 * is not, so the figure errs high. A child that ends inside the window loses its share; the streams' ffmpegs
 * run for the whole window except across a defect stream's reconnect.
 */
function processTreeCpuSeconds(pids: readonly number[]): number {
  const own = process.cpuUsage();
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return (own.user + own.system) / 1e6 + ticks / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of this process and the given children, MiB. */
export function processTreeMiB(pids: readonly number[]): number {
  return (process.memoryUsage().rss / 1024 + sum(pids.map(rssKiB))) / 1024;
}

/** File descriptors this process holds (its sockets and the pipes to every ffmpeg). */
export function openFiles(): number {
  return readdirSync("/proc/self/fd").length;
}

/** What is left to start more streams with: available memory and this process's open-files headroom. */
export function resources(): Resources {
  const available = /MemAvailable:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1];
  const limit = /Max open files\s+(\d+|unlimited)/.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
  return {
    memoryAvailableMiB: Number(available ?? 0) / 1024,
    openFiles: openFiles(),
    openFilesLimit: limit === undefined || limit === "unlimited" ? Number.POSITIVE_INFINITY : Number(limit),
  };
}
