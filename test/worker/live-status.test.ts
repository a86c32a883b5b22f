/**
 * A live job's profile, escalations and CPU, from the engine's stats and its real ffmpeg to the job status
 * (Job Progress folded by the job store) and /metrics, while it runs and once it has ended.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import type { QueueMessage } from "../../core-service/src/domain/job.ts";
import type { LiveStats } from "../../core-service/src/live/types.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { processCpuSeconds } from "../../core-service/src/media/cpu-meter.ts";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { Metrics } from "../../core-service/src/server/metrics.ts";
import type { LiveAnalyzer } from "../../core-service/src/worker/live-analyzer.ts";
import type { LiveStreams } from "../../core-service/src/worker/live-streams.ts";
import { sharedMedia } from "../support/shared-media.ts";
import { liveHarness } from "./live-harness.ts";
import { aQueueMessage, startedWorkers, waitFor } from "./worker-harness.ts";

const ECONOMY_STATS: LiveStats = {
  lagSeconds: 0,
  framesPerSecond: 1,
  openDefects: [],
  connected: true,
  reconnects: 0,
  streamTime: 3,
  profile: "economy",
  escalated: false,
  escalations: { count: 0 },
};

/**
 * A live engine whose one "connection" is a real ffmpeg decoding a real clip in a loop: it reports the process,
 * says it is in economy, escalates on a black sample once ffmpeg has spent some CPU, and ends at 8 s of stream
 * when the test lets it go.
 */
function escalatingEngine() {
  // Found here, not inside the analyzer: a missing clip then fails the test with its own message at once,
  // where inside it the job would fail and the test wait out its 30 s for figures that never come.
  const clip = sharedMedia("real-640x360-1s.mp4");
  let letGo: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  const analyze: LiveAnalyzer = async (message, run) => {
    const ffmpeg = spawn(
      ffmpegBinaries().ffmpeg,
      ["-nostdin", "-stream_loop", "-1", "-i", clip, "-f", "null", "-"],
      {
        stdio: "ignore",
      },
    );
    const exited = once(ffmpeg, "exit").then(() => undefined);
    try {
      run.onProcess?.({ pid: ffmpeg.pid, exited });
      run.onStats(ECONOMY_STATS);
      await waitFor(() => (processCpuSeconds(ffmpeg.pid as number) ?? 0) > 0.3, 30_000);
      run.onStats({
        ...ECONOMY_STATS,
        streamTime: 6,
        escalated: true,
        escalations: { count: 1, lastCause: "black" },
      });
      await released;
    } finally {
      ffmpeg.kill("SIGKILL");
      await exited;
    }
    return {
      source: message.source,
      endReason: "max-duration",
      wallSeconds: 8,
      videoFrames: 240,
      audioSeconds: 8,
      reconnects: 0,
      defectsOpened: 0,
      defectsClosed: 0,
      watchGapSeconds: 0,
      resumeState: { openDefects: [], lastStreamTime: 8, timelineOffsets: { video: 0, audio: 0 } },
    };
  };
  return { analyze, letGo };
}

function metricsOver(streams: LiveStreams): string {
  return new Metrics({
    bus: new MemoryEventBus({ logger: silentLogger }),
    queueCounts: () => ({ visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 }),
    eventsPublished: () => 0,
    eventsFailed: () => 0,
    webhookDeliveries: () => ({ delivered: 0, retried: 0, failed: 0 }),
    liveStreams: () => streams.samples(),
  }).render();
}

const aLiveJob = (): QueueMessage =>
  aQueueMessage({
    source: "http://origin.example/live.m3u8",
    mode: "live",
    live: { profile: "economy", maxDurationSeconds: 600 },
  });

describe("a live job's usage in its status and /metrics", () => {
  const started = startedWorkers();

  it("shows the profile, the escalation and its cause, and the ffmpeg's CPU while the stream runs", async () => {
    const { queue, store, streams, createWorker } = liveHarness();
    const engine = escalatingEngine();
    const message = aLiveJob();
    await queue.send(message);
    started(createWorker(engine.analyze));

    await waitFor(async () => (await store.get(message.jobId))?.escalated === true, 30_000);
    const view = await store.get(message.jobId);
    expect(view).toMatchObject({
      status: "running",
      profile: "economy",
      escalations: { count: 1, lastCause: "black" },
      progress: { mediaSeconds: 6 },
    });
    // The ffmpeg had spent more than 0.3 s when the escalation was reported: all of it is the job's.
    expect(view?.cpuSeconds).toBeGreaterThan(0.3);
    expect(view?.cpuSecondsPerMediaHour).toBeCloseTo(((view?.cpuSeconds ?? 0) * 3600) / 6, -1);

    const text = metricsOver(streams);
    const jobId = message.jobId;
    expect(text).toContain(`avmon_live_stream_info{jobId="${jobId}",profile="economy"} 1`);
    expect(text).toContain(`avmon_live_escalated{jobId="${jobId}"} 1`);
    expect(text).toContain("# TYPE avmon_live_escalations_total counter");
    expect(text).toContain(`avmon_live_escalations_total{jobId="${jobId}"} 1`);
    expect(text).toContain(`avmon_live_last_escalation_info{jobId="${jobId}",cause="black"} 1`);
    const cpu = text.match(new RegExp(`avmon_live_cpu_seconds_total\\{jobId="${jobId}"\\} ([0-9.]+)`));
    expect(Number(cpu?.[1])).toBeGreaterThan(0.3);
    engine.letGo();
  });

  it("ends with the job's final figures in its status and its report, and its series gone from /metrics", async () => {
    const { queue, store, streams, createWorker } = liveHarness();
    const engine = escalatingEngine();
    const message = aLiveJob();
    await queue.send(message);
    started(createWorker(engine.analyze));
    await waitFor(async () => (await store.get(message.jobId))?.escalated === true, 30_000);
    const running = await store.get(message.jobId);

    engine.letGo();
    await waitFor(async () => (await store.get(message.jobId))?.status === "completed", 30_000);
    const view = await store.get(message.jobId);

    expect(view).toMatchObject({
      profile: "economy",
      escalated: false,
      escalations: { count: 1, lastCause: "black" },
      progress: { mediaSeconds: 8 },
    });
    expect(view?.cpuSeconds).toBeGreaterThanOrEqual(running?.cpuSeconds ?? Number.POSITIVE_INFINITY);
    expect(view?.summary?.stats).toMatchObject({
      cpuSeconds: view?.cpuSeconds,
      cpuSecondsPerMediaHour: view?.cpuSecondsPerMediaHour,
    });
    expect(view?.cpuSecondsPerMediaHour).toBeCloseTo(((view?.cpuSeconds ?? 0) * 3600) / 8, -1);
    expect(metricsOver(streams)).not.toContain(`jobId="${message.jobId}"`);
  });

  it("keeps the final figures in the status of a job that fails at the worker's default maximum duration", async () => {
    const { queue, store, createWorker } = liveHarness();
    const engine = escalatingEngine();
    const message = { ...aLiveJob(), live: { profile: "economy" as const } };
    await queue.send(message);
    started(createWorker(engine.analyze));
    await waitFor(async () => (await store.get(message.jobId))?.escalated === true, 30_000);

    engine.letGo();
    await waitFor(async () => (await store.get(message.jobId))?.status === "failed", 30_000);

    expect(await store.get(message.jobId)).toMatchObject({
      error: { code: "LIMIT_REACHED" },
      escalated: false,
      escalations: { count: 1, lastCause: "black" },
      progress: { mediaSeconds: 8 },
    });
  });
});
