/**
 * `npm run bench -- live [--profile full|economy] [--stop-at N]`: how many concurrent 720p30 H.264 live streams
 * this machine follows in real time with every detector, in each profile (both by default, full first), what
 * a stream costs (memory, CPU, price), and how soon the injected defects raise `Defect Detected`.
 *
 * Two local origins publish MPEG-TS over HTTP in real time (stream copy, `-re`): the healthy one loops the
 * 30 s bench clip; the defect one loops a 65 s 720p30 programme with a black interval, a freeze, a silence and
 * a +10 LU stretch, and pauses 8 s each cycle (a stall; see live-defects.ts). Three streams follow the defect
 * origin; the others follow the healthy one; each is a separate analyzeLive (its own connection and ffmpeg),
 * and the counts printed include the defect streams (720p30 like the rest; judged by their latencies).
 *
 * The search (live-search.ts) adds streams one at a time up to 8, then about a quarter more a step, until a
 * step falls behind, then halves the gap to the exact count (economy, run after full, starts at full's count).
 * It also stops when more streams would exhaust memory or file descriptors, never at a fixed count. Each step
 * settles 6 s and is judged over 6 s on the healthy streams: kept in real time when no stream's lag behind real time grew past 2 s and, in the full
 * profile, each decoded ≥ 90 % of 30 fps; economy decodes few pictures by design, so there each stream must
 * analyse ≥ 0.9 s of stream per wall second instead (audio is decoded in full). Then the bench holds the kept
 * count for a whole defect cycle and a match window (80 s): the CPU, memory and alert latencies reported are
 * that hold's; a hold that falls behind, or whose defect streams alert late or miss a defect, is tried again a
 * tenth lower (a few times). Latency: from when the origin published the onset (its first output + the onset's origin
 * time, across loops; for the stall, when it stopped sending) to the detector event `open`, against the
 * bound minimum duration + one GOP + 1 s. `--stop-at N` (debug, smoke runs) stops growing at N streams and
 * holds there even if they fell behind.
 */
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LiveProfile } from "../core-service/src/domain/job.ts";
import { runFfmpeg } from "../core-service/src/media/ffmpeg.ts";
import { type LiveOrigin, startLiveOrigin } from "../test/support/live-origin.ts";
import { makeClip } from "../test/support/test-media.ts";
import { costLines } from "./cost.ts";
import {
  CYCLE_SECONDS,
  INJECTED_TYPES,
  LOUD_DBFS,
  latenciesWithin,
  latencyBounds,
  MATCH_WINDOW_MS,
  matchLatencies,
  PROGRAMME,
  poolLatencies,
  programmeOnsets,
  STALL_SECONDS,
  type StreamLatencies,
  type Timed,
} from "./live-defects.ts";
import {
  DEFECT_STREAMS,
  FIRST_COUNT,
  FPS,
  nextCount,
  parseLiveBenchArgs,
  safetyStop,
} from "./live-search.ts";
import { openFiles, processTreeMiB, resources, StreamSet, type Window } from "./live-streams.ts";

const SETTLE_MS = 6_000;
/** Healthy streams' alerts printed one by one (what they measured), at most. */
const MAX_ALERT_DETAILS = 6;
/** Streams that were overloaded get longer to catch up after some are stopped. */
const SETTLE_AFTER_REMOVAL_MS = 10_000;
const MEASURE_MS = 6_000;
const HOLD_MS = CYCLE_SECONDS * 1000 + MATCH_WINDOW_MS;
const BENCH_DIR = join(import.meta.dirname, "../.cache/bench");
/** The defect programme's keyframe interval, frames (one second, like the bench clip's). */
const DEFECT_GOP = FPS;
/** The latency each injected defect's `Defect Detected` must keep. */
const BOUNDS = latencyBounds(DEFECT_GOP / FPS);
/** Holds tried, each a tenth fewer streams than the one that fell behind or alerted late. */
const HOLD_ATTEMPTS = 3;
/** Before any stream has been measured, what one is assumed to cost, for the safety stop. */
const FIRST_GUESS = { memoryMiB: 100, openFiles: 16 };

interface Origins {
  readonly healthy: LiveOrigin;
  readonly defect: LiveOrigin;
  /** Wall-clock ms at which the defect origin published the moment `originTime` of its programme. */
  readonly publishedAt: (originTime: number) => number;
  /** When the defect origin stopped sending, one a cycle. */
  readonly stallOnsets: readonly Timed[];
}

interface ProfileResult {
  readonly profile: LiveProfile;
  readonly kept: number;
}

export async function liveBench(log: (line: string) => void, args: readonly string[] = []): Promise<void> {
  const options = parseLiveBenchArgs(args);
  log("Preparing the 30 s 720p30 bench clip and the 65 s defect programme (cached in .cache) …");
  const [clip, programme] = [await benchClip(), await defectProgramme()];
  const healthy = await startLiveOrigin({ protocol: "mpegts-http", duration: 30, clip, loop: true });
  const defect = await startLiveOrigin({
    protocol: "mpegts-http",
    duration: CYCLE_SECONDS,
    clip: programme,
    loop: true,
  });
  let stalls: { onsets: Timed[]; stop: () => void } | undefined;
  try {
    const firstMs = await firstOutput(defect);
    const publishedAt = (originTime: number) => firstMs + originTime * 1000;
    stalls = scheduleStalls(defect, publishedAt);
    const origins = { healthy, defect, publishedAt, stallOnsets: stalls.onsets };
    const results: ProfileResult[] = [];
    for (const profile of options.profiles) {
      log("");
      // Economy keeps at least what full kept: its search starts there instead of climbing from 4 again.
      const start = Math.max(FIRST_COUNT, ...results.map((r) => r.kept));
      results.push(await benchProfile(profile, origins, { start, stopAt: options.stopAt }, log));
    }
    const full = results.find((r) => r.profile === "full");
    const economy = results.find((r) => r.profile === "economy");
    if (full && economy && full.kept > 0)
      log(
        `\neconomy / full streams kept in this run: ${(economy.kept / full.kept).toFixed(1)}×  (target ≥ 3×)`,
      );
  } finally {
    stalls?.stop();
    await Promise.allSettled([healthy.close(), defect.close()]);
  }
}

async function benchProfile(
  profile: LiveProfile,
  origins: Origins,
  search: { readonly start: number; readonly stopAt?: number },
  log: (line: string) => void,
): Promise<ProfileResult> {
  const baseline = { mib: processTreeMiB([]), files: openFiles() };
  const newStreams = () =>
    new StreamSet(profile, { healthy: origins.healthy.url, defect: origins.defect.url });
  let streams = newStreams();
  let last: Window | undefined;
  const perStream = () =>
    last
      ? {
          memoryMiB: (last.rssMiB - baseline.mib) / streams.size,
          openFiles: (last.openFiles - baseline.files) / streams.size,
        }
      : FIRST_GUESS;
  try {
    log(`${profile} profile — streams  min fps  media s/s  max lag s  RSS MiB (node + ffmpegs)`);
    let kept: number | undefined;
    let failed: number | undefined;
    for (let n = nextCount(kept, failed, search); n !== undefined; n = nextCount(kept, failed, search)) {
      const adding = n - streams.size;
      const stop = adding > 0 ? safetyStop(adding, resources(), perStream()) : undefined;
      if (stop) {
        log(`  safety stop: ${stop}`);
        break;
      }
      await streams.resize(n);
      await sleep(adding > 0 ? SETTLE_MS : SETTLE_AFTER_REMOVAL_MS);
      last = await streams.measure(MEASURE_MS);
      log(row(n, last));
      if (last.verdict.kept) kept = n;
      else failed = n;
    }
    if (kept === undefined) log(`${profile} profile: not even ${streams.size} streams kept in real time`);
    // A smoke run (--stop-at) goes through the hold and its report even on a machine too busy to keep up.
    let held = kept ?? search.stopAt;
    if (held === undefined) return { profile, kept: 0 };
    // The search judges 6 s windows; a whole cycle (escalations, defects) may not keep up at that count. A hold
    // that falls behind is tried again a tenth lower, a few times: what is reported is a count that held.
    let hold: Window;
    let scored: { fromMs: number; untilMs: number };
    for (let attempt = 1; ; attempt++) {
      await streams.resize(held);
      await sleep(SETTLE_AFTER_REMOVAL_MS);
      log(`holding ${held} streams for ${HOLD_MS / 1000} s (a whole defect cycle) …`);
      scored = { fromMs: Date.now(), untilMs: 0 };
      hold = await streams.measure(HOLD_MS);
      scored.untilMs = Date.now();
      // The defect streams must alert in time at the count reported, not only the healthy ones keep up.
      const alerting = latenciesWithin(pooledLatencies(streams.defectOpens(), origins, scored), BOUNDS);
      const retry = kept !== undefined && (!hold.verdict.kept || !alerting) && attempt < HOLD_ATTEMPTS;
      if (!retry) break;
      log(`${row(held, hold)}  (the hold)${alerting ? "" : "  alerts late or missed"}`);
      held = Math.max(DEFECT_STREAMS + 1, Math.min(held - 1, Math.floor(held * 0.9)));
      kept = held;
      // Streams that fell behind stay behind (the origin queues what they have not read): start afresh.
      await streams.close();
      streams = newStreams();
    }
    reportHold(profile, held, kept, hold, baseline.mib, log);
    reportLatencies(streams.defectOpens(), origins, scored, hold.defectMaxLag, log);
    return { profile, kept: kept ?? 0 };
  } finally {
    await streams.close();
  }
}

function row(n: number, w: Window): string {
  const v = w.verdict;
  const verdict = v.kept ? "" : "  fell behind";
  return `${String(n).padStart(24)}  ${v.minFps.toFixed(1).padStart(7)}  ${v.minMediaRate.toFixed(2).padStart(9)}  ${v.maxLag.toFixed(2).padStart(9)}  ${w.rssMiB.toFixed(0).padStart(7)}${verdict}`;
}

/** The hold's figures; `kept` is the search's answer (undefined when a smoke run held a count that fell behind). */
function reportHold(
  profile: LiveProfile,
  count: number,
  kept: number | undefined,
  hold: Window,
  baselineMiB: number,
  log: (line: string) => void,
): void {
  const memoryPerStream = (hold.rssMiB - baselineMiB) / count;
  // Real time: each stream covered the hold's length of media (the origins publish at -re).
  const cpuPerMediaHour = (hold.cpuSeconds * 3600) / (count * hold.seconds);
  log(`${row(count, hold)}  (the hold)`);
  const verdict =
    kept === undefined
      ? `none (${count} held for --stop-at)`
      : `${kept}${hold.verdict.kept ? "" : "  (but the hold fell behind)"}`;
  log(`${profile} profile: 720p30 live streams kept in real time, all detectors: ${verdict}`);
  log(`  memory per stream (node share + its ffmpeg): ${memoryPerStream.toFixed(0)} MiB`);
  const alerts = Object.entries(hold.healthyOpens).map(([kind, n]) => `${kind} ×${n}`);
  log(
    `  healthy streams over the hold: ${alerts.length ? alerts.join(", ") : "no alerts"}, ${hold.healthyEscalations} escalations`,
  );
  for (const detail of hold.healthyDetails.slice(0, MAX_ALERT_DETAILS)) log(`    ${detail}`);
  const label = `live 720p30, ${profile} profile, at ${count} streams`;
  for (const line of costLines(label, cpuPerMediaHour, memoryPerStream)) log(`  ${line}`);
}

/** The defect streams' latencies over `scored`, pooled. */
function pooledLatencies(
  opensByStream: readonly Timed[][],
  origins: Origins,
  scored: { fromMs: number; untilMs: number },
): StreamLatencies {
  const onsets = [...programmeOnsets(origins.publishedAt, 0, scored.untilMs), ...origins.stallOnsets];
  return poolLatencies(opensByStream.map((opens) => matchLatencies(onsets, opens, scored)));
}

function reportLatencies(
  opensByStream: readonly Timed[][],
  origins: Origins,
  scored: { fromMs: number; untilMs: number },
  defectMaxLag: number,
  log: (line: string) => void,
): void {
  const pooled = pooledLatencies(opensByStream, origins, scored);
  log(
    `  alert latency, onset published → Defect Detected (${opensByStream.length} defect streams over the hold, their lag up to ${defectMaxLag.toFixed(1)} s):`,
  );
  for (const type of INJECTED_TYPES) {
    const latencies = [...pooled.latencies[type]].sort((a, b) => a - b);
    const bound = BOUNDS[type];
    const worst = latencies.at(-1);
    const median = latencies[Math.floor(latencies.length / 2)];
    const verdict = worst === undefined ? "no sample" : worst <= bound.seconds ? "within" : "OVER";
    const figures =
      worst === undefined
        ? "      —"
        : `${worst.toFixed(2).padStart(6)} s worst, ${median?.toFixed(2)} s median`;
    const others = [
      pooled.missed[type] && `${pooled.missed[type]} missed`,
      pooled.unexpected[type] && `${pooled.unexpected[type]} unexpected`,
    ].filter(Boolean);
    log(
      `    ${type.padEnd(9)} ${figures} (${latencies.length})  bound ${bound.seconds.toFixed(1)} s = ${bound.minDuration} s min + ${bound.gopSeconds} s GOP + 1 s  ${verdict}${others.length ? `  ${others.join(", ")}` : ""}`,
    );
  }
}

/** Waits for the origin's first byte: the programme's origin time 0 on the wall clock. */
async function firstOutput(origin: LiveOrigin): Promise<number> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const at = origin.availableAt(0);
    if (at !== undefined) return at;
    await sleep(50);
  }
  throw new Error("the defect origin published nothing within 20 s");
}

/** Pauses the defect origin at each cycle's stall, noting when it stopped sending. */
function scheduleStalls(
  origin: LiveOrigin,
  publishedAt: (originTime: number) => number,
): { onsets: Timed[]; stop: () => void } {
  const onsets: Timed[] = [];
  let timer: NodeJS.Timeout | undefined;
  const plan = (cycle: number) => {
    const atMs = publishedAt(cycle * CYCLE_SECONDS + PROGRAMME.stall.start);
    timer = setTimeout(
      () => {
        origin.pause(STALL_SECONDS);
        onsets.push({ type: "stall", atMs: Date.now() });
        plan(cycle + 1);
      },
      Math.max(0, atMs - Date.now()),
    );
  };
  plan(0);
  return { onsets, stop: () => clearTimeout(timer) };
}

/**
 * The programme both origins publish: 720p30 H.264 of a zooming fractal (detail and motion in every picture) with
 * stereo AAC of the test clips' programme tone at the loudness target. Not testsrc2 and a 1 kHz sine at −18 dBFS,
 * as this bench once published: colour bars and line-up tone are a test signal on air, a defect since issue 12,
 * which left every "healthy" stream with an open alert (and under economy, escalated for good).
 */
const PROGRAMME_VIDEO = {
  codec: "libx264",
  size: "1280x720",
  fps: String(FPS),
  content: "mandelbrot",
} as const;

/** The defect programme: the bench programme with the defects of live-defects.ts PROGRAMME in it. */
function defectProgramme(): Promise<string> {
  const { black, freeze, silence, loudness } = PROGRAMME;
  return makeClip({
    duration: CYCLE_SECONDS,
    container: "ts",
    video: {
      ...PROGRAMME_VIDEO,
      gop: DEFECT_GOP,
      events: [
        { type: "black", ...black },
        { type: "freeze", ...freeze },
      ],
    },
    audio: {
      codec: "aac",
      channels: 2,
      events: [
        { type: "silence", ...silence },
        { type: "level", ...loudness, dbfs: LOUD_DBFS },
      ],
    },
  });
}

/**
 * The healthy streams' programme: 30 s, looped by the origin, the same picture and tone as the defect programme
 * (test-media.ts renders that one). Without B-frames: the origin splices the clip's end to its start, and a
 * B-frame after the splice predicts from pictures of the other end (the decoder says "co located POCs
 * unavailable", which block corruption rightly takes as damage, once a loop on every stream).
 */
async function benchClip(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, "live-30s-720p30-programme.ts");
  if (existsSync(path)) return path;
  const partial = `${path}.partial.ts`;
  // test-media.ts's programme tone at the loudness target (−23 dBFS, a 1 kHz tone with a 300 Hz partial).
  const tone = "0.0708*(sin(2*PI*1000*t)*0.9+sin(2*PI*300*t)*0.1)";
  await runFfmpeg([
    "-y",
    ...["-f", "lavfi", "-i", `mandelbrot=size=1280x720:rate=${FPS}:maxiter=256,fps=${FPS},trim=duration=30`],
    ...[
      "-f",
      "lavfi",
      "-i",
      `aevalsrc='${tone}|${tone}':channel_layout=stereo:sample_rate=48000:duration=30`,
    ],
    ...["-c:v", "libx264", "-preset", "veryfast", "-b:v", "3M", "-g", String(FPS), "-bf", "0"],
    ...["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "mpegts", partial],
  ]);
  renameSync(partial, path);
  return path;
}
