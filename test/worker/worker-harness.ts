import { afterEach } from "vitest";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import {
  MemoryJobQueue,
  type MemoryJobQueueOptions,
} from "../../core-service/src/adapters/memory/memory-job-queue.ts";
import { MemoryJobStore } from "../../core-service/src/adapters/memory/memory-job-store.ts";
import type { DetectorEvent } from "../../core-service/src/detectors/types.ts";
import { AbortedError } from "../../core-service/src/domain/errors.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import type { QueueMessage } from "../../core-service/src/domain/job.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import type { Analyzer } from "../../core-service/src/worker/analyzer.ts";
import { Worker, type WorkerOptions } from "../../core-service/src/worker/worker.ts";
import { aReport } from "../support/avmon-events.ts";
import { scratchClaimStore } from "../support/scratch-dirs.ts";

/** What the tests' workers share unless a test says otherwise: one job at a time, retries at once, no logs. */
export const TEST_WORKER_DEFAULTS = {
  detectors: ["black", "freeze", "silence"],
  maxReceiveCount: 5,
  retryBaseSeconds: 0,
  concurrency: 1,
  logger: silentLogger,
} as const satisfies Partial<WorkerOptions>;

/** A queue, bus and store wired like the local stack, plus every event the bus carried. */
export function workerHarness(queueOptions: MemoryJobQueueOptions = {}) {
  const queue = new MemoryJobQueue({ waitTimeSeconds: 1, ...queueOptions });
  const bus = new MemoryEventBus({ logger: silentLogger });
  const store = new MemoryJobStore();
  store.subscribeTo(bus, scratchClaimStore());
  const events: AvmonEvent[] = [];
  bus.subscribe({ source: ["avmon"] }, (event) => {
    events.push(event);
  });
  const createWorker = (analyze: Analyzer, options: Partial<WorkerOptions> = {}) =>
    new Worker({
      queue,
      bus,
      analyze,
      jobStore: store,
      ...TEST_WORKER_DEFAULTS,
      maxReceiveCount: queueOptions.maxReceiveCount ?? TEST_WORKER_DEFAULTS.maxReceiveCount,
      ...options,
    });
  const detailTypes = (jobId: string) =>
    events.filter((e) => e.detail.jobId === jobId).map((e) => e["detail-type"]);
  return { queue, bus, store, events, createWorker, detailTypes };
}

export function aQueueMessage(overrides: Partial<QueueMessage> = {}): QueueMessage {
  return {
    version: 1,
    jobId: `job-${Math.random().toString(36).slice(2, 10)}`,
    source: "clip.mp4",
    mode: "file",
    detectors: [],
    thresholds: {},
    labels: {},
    ...overrides,
  };
}

/** Sends the detector events in order, then returns a report holding the closed defects. */
export function scriptedAnalyzer(script: readonly DetectorEvent[]): Analyzer {
  return async (_message, run) => {
    for (const event of script) await run.onDetectorEvent(event);
    const closed = script.flatMap((e) => (e.kind === "close" ? [e.defect] : []));
    return aReport(closed, 10);
  };
}

/** Runs until aborted, like a long live stream; `started` resolves once it is running. */
export function endlessAnalyzer() {
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const analyze: Analyzer = (_message, run) =>
    new Promise((_resolve, reject) => {
      markStarted();
      run.signal.addEventListener("abort", () => reject(new AbortedError("analysis stopped")), {
        once: true,
      });
    });
  return { analyze, started };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts workers for the tests of one describe block and stops them after each test. */
export function startedWorkers(): (worker: Worker) => Worker {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(0)));
  });
  return (worker) => {
    workers.push(worker);
    worker.start();
    return worker;
  };
}
