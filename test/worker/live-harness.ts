import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import {
  MemoryJobQueue,
  type MemoryJobQueueOptions,
} from "../../core-service/src/adapters/memory/memory-job-queue.ts";
import { MemoryJobStore } from "../../core-service/src/adapters/memory/memory-job-store.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import type { LiveResumeState } from "../../core-service/src/domain/job.ts";
import type { LiveDetectorEvent, LiveSummary } from "../../core-service/src/live/types.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import type { LiveAnalyzer, LiveAnalyzerRun } from "../../core-service/src/worker/live-analyzer.ts";
import { LiveStreams } from "../../core-service/src/worker/live-streams.ts";
import { Worker, type WorkerOptions } from "../../core-service/src/worker/worker.ts";
import { anOpenDefect } from "../support/avmon-events.ts";
import { scratchClaimStore } from "../support/scratch-dirs.ts";
import { scriptedAnalyzer, TEST_WORKER_DEFAULTS } from "./worker-harness.ts";

/** A queue, bus, store and live-stream registry wired like the local stack, plus every event the bus carried. */
export function liveHarness(queueOptions: MemoryJobQueueOptions = {}) {
  const queue = new MemoryJobQueue({ waitTimeSeconds: 1, ...queueOptions });
  const bus = new MemoryEventBus({ logger: silentLogger });
  const store = new MemoryJobStore();
  store.subscribeTo(bus, scratchClaimStore());
  const streams = new LiveStreams();
  const events: AvmonEvent[] = [];
  bus.subscribe({ source: ["avmon"] }, (event) => {
    events.push(event);
  });
  const createWorker = (analyzeLive: LiveAnalyzer, options: Partial<WorkerOptions> = {}) =>
    new Worker({
      queue,
      bus,
      analyze: scriptedAnalyzer([]),
      analyzeLive,
      liveStreams: streams,
      jobStore: store,
      ...TEST_WORKER_DEFAULTS,
      ...options,
    });
  const ofJob = (jobId: string) => events.filter((e) => e.detail.jobId === jobId);
  const detailTypes = (jobId: string) => ofJob(jobId).map((e) => e["detail-type"]);
  return { queue, bus, store, streams, events, createWorker, ofJob, detailTypes };
}

/**
 * A stand-in for the live engine that behaves as it does at its edges: opens a freeze (or, when resumed with
 * one open, keeps its alertId without announcing it again), reports stats, runs until its signal or max
 * duration, closes everything at max duration and hands the open defects back in its resume state.
 */
export function fakeLiveEngine() {
  const runs: LiveAnalyzerRun[] = [];
  const analyze: LiveAnalyzer = async (message, run) => {
    runs.push(run);
    const resumed = run.resumeState?.openDefects.find((d) => d.defect.type === "freeze");
    const freeze = resumed ?? {
      alertId: `alert-${runs.length}`,
      defect: anOpenDefect({ type: "freeze", start: 2, startedAt: new Date().toISOString() }),
    };
    if (!resumed) await run.onDetectorEvent({ kind: "open", ...freeze });
    run.onStats({
      lagSeconds: 0.4,
      profile: "full",
      framesPerSecond: 30,
      openDefects: [freeze.defect],
      connected: true,
      reconnects: 0,
      streamTime: 3,
    });
    const reason = await endOf(run);
    const open = reason === "max-duration" ? [] : [freeze];
    if (reason === "max-duration") {
      const close: LiveDetectorEvent = {
        kind: "close",
        alertId: freeze.alertId,
        defect: { ...freeze.defect, end: 4 },
      };
      await run.onDetectorEvent(close);
    }
    return summary(message.source, reason, {
      openDefects: open,
      lastStreamTime: 5,
      lastSeenAt: new Date().toISOString(),
      timelineOffsets: { video: 0, audio: 0 },
    });
  };
  return { analyze, runs };
}

function endOf(run: LiveAnalyzerRun): Promise<"aborted" | "max-duration"> {
  return new Promise((resolve) => {
    const timer =
      run.maxDuration === undefined
        ? undefined
        : setTimeout(() => resolve("max-duration"), run.maxDuration * 1000);
    run.signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve("aborted");
      },
      { once: true },
    );
    if (run.signal.aborted) resolve("aborted");
  });
}

function summary(
  source: string,
  endReason: LiveSummary["endReason"],
  resumeState: LiveResumeState,
): LiveSummary {
  return {
    source,
    endReason,
    wallSeconds: 1,
    videoFrames: 30,
    audioSeconds: 1,
    reconnects: 0,
    defectsOpened: 1,
    defectsClosed: endReason === "max-duration" ? 1 : 0,
    watchGapSeconds: 0,
    resumeState,
    loudness: FAKE_LOUDNESS,
  };
}

/** What the fake engine's loudness meter read, for the live job's summary. */
export const FAKE_LOUDNESS = {
  integrated: -23.1,
  range: 2.4,
  truePeak: -9.5,
  maxMomentary: -20.2,
  maxShortTerm: -21.7,
  target: -23,
};
