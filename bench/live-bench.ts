/**
 * `npm run bench -- live`: how many concurrent 720p30 H.264 live streams this machine follows in real time with
 * every detector, and the memory each one costs. One local origin publishes a looping 720p30 programme as
 * MPEG-TS over HTTP (stream copy, `-re`); streams are added one at a time, each a separate analyzeLive (its
 * own connection and ffmpeg), until one falls behind: decoded frame rate under 90 % of 30 fps, or lag behind
 * real time growing past 2 s.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { analyzeLive } from "../core-service/src/live/analyze-live.ts";
import type { LiveStats } from "../core-service/src/live/types.ts";
import { runFfmpeg } from "../core-service/src/media/ffmpeg.ts";
import { startLiveOrigin } from "../test/support/live-origin.ts";
import { costLines } from "./cost.ts";

const BENCH_DIR = join(import.meta.dirname, "../.cache/bench");
const FPS = 30;
const MAX_STREAMS = 24;
const SETTLE_MS = 6_000;
const MEASURE_MS = 6_000;
const MIN_FPS = FPS * 0.9;
const MAX_LAG_SECONDS = 2;

interface Stream {
  readonly stop: AbortController;
  readonly done: Promise<unknown>;
  readonly pids: Set<number>;
  latest?: LiveStats;
  fpsSamples: number[];
  maxLag: number;
}

export async function liveBench(log: (line: string) => void): Promise<void> {
  log("Preparing a 30 s 720p30 H.264 + AAC clip (cached in .cache/bench) …");
  const clip = await benchClip();
  const origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 30, clip, loop: true });
  const streams: Stream[] = [];
  const baselineMiB = processTreeMiB([]);
  let kept = 0;
  let memoryPerStream = 0;
  let cpuPerMediaHour = 0;
  try {
    log("streams  min fps  max lag s  RSS MiB (node + ffmpegs)");
    for (let n = 1; n <= MAX_STREAMS; n++) {
      streams.push(startStream(origin.url));
      await sleep(SETTLE_MS);
      for (const s of streams) resetWindow(s);
      const cpuBefore = processTreeCpuSeconds(streams.flatMap((s) => [...s.pids]));
      await sleep(MEASURE_MS);
      const cpu = processTreeCpuSeconds(streams.flatMap((s) => [...s.pids])) - cpuBefore;
      const minFps = Math.min(...streams.map((s) => average(s.fpsSamples)));
      const maxLag = Math.max(...streams.map((s) => s.maxLag));
      const rss = processTreeMiB(streams.flatMap((s) => [...s.pids]));
      log(
        `${String(n).padStart(7)}  ${minFps.toFixed(1).padStart(7)}  ${maxLag.toFixed(2).padStart(9)}  ${rss.toFixed(0).padStart(7)}`,
      );
      if (minFps < MIN_FPS || maxLag > MAX_LAG_SECONDS) break;
      kept = n;
      memoryPerStream = (rss - baselineMiB) / n;
      // Real time: each stream covered MEASURE_MS of media in the window (the origin loops at -re).
      cpuPerMediaHour = (cpu * 3600) / ((n * MEASURE_MS) / 1000);
    }
  } finally {
    for (const s of streams) s.stop.abort();
    await Promise.allSettled(streams.map((s) => s.done));
    await origin.close();
  }
  log("");
  log(`720p30 live streams kept in real time, all detectors: ${kept}  (target ≥ 8)`);
  log(`memory per stream (node share + its ffmpeg):          ${memoryPerStream.toFixed(0)} MiB`);
  for (const line of costLines(
    `live 720p30, full profile, at ${kept} streams`,
    cpuPerMediaHour,
    memoryPerStream,
  ))
    log(line);
}

function startStream(url: string): Stream {
  const stop = new AbortController();
  const stream: Stream = { stop, done: Promise.resolve(), pids: new Set(), fpsSamples: [], maxLag: 0 };
  const done = analyzeLive(url, {
    signal: stop.signal,
    onDetectorEvent: () => undefined,
    onProcess: ({ pid, exited }) => {
      if (!pid) return;
      stream.pids.add(pid);
      void exited.then(() => stream.pids.delete(pid));
    },
    onStats: (stats) => {
      stream.latest = stats;
      stream.fpsSamples.push(stats.framesPerSecond);
      stream.maxLag = Math.max(stream.maxLag, stats.lagSeconds);
    },
  });
  return Object.assign(stream, { done });
}

function resetWindow(stream: Stream): void {
  stream.fpsSamples = [];
  stream.maxLag = stream.latest?.lagSeconds ?? 0;
}

function average(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/**
 * CPU seconds so far of this process and the given children (Linux /proc, utime + stime in USER_HZ = 100):
 * a window's difference is what the streams cost. The origin's ffmpeg (not listed) is left out, its HTTP
 * serving in this process is not, so the figure errs high. A child that ends inside the window loses its share;
 * the streams' ffmpegs run for the whole bench.
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
  return (own.user + own.system) / 1e6 + ticks / 100;
}

/** Resident memory of this process and the given children, MiB (Linux /proc). */
function processTreeMiB(pids: readonly number[]): number {
  let kib = process.memoryUsage().rss / 1024;
  for (const pid of pids) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return kib / 1024;
}

async function benchClip(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, "live-30s-720p30.ts");
  if (existsSync(path)) return path;
  const partial = `${path}.partial.ts`;
  await runFfmpeg([
    "-y",
    ...["-f", "lavfi", "-i", `testsrc2=size=1280x720:rate=${FPS}:duration=30`],
    ...["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=30"],
    ...["-c:v", "libx264", "-preset", "veryfast", "-b:v", "3M", "-g", String(FPS), "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "mpegts", partial],
  ]);
  renameSync(partial, path);
  return path;
}
