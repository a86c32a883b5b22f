import { describe, expect, it } from "vitest";
import { InvalidSourceError, SourceUnreachableError } from "../../core-service/src/domain/errors.ts";
import { alertId, defectDetected } from "../../core-service/src/domain/events.ts";
import type { Analyzer } from "../../core-service/src/worker/analyzer.ts";
import { aDefect, anOpenDefect } from "../support/avmon-events.ts";
import {
  aQueueMessage,
  endlessAnalyzer,
  scriptedAnalyzer,
  startedWorkers,
  waitFor,
  workerHarness,
} from "./worker-harness.ts";

const freeze = aDefect({ type: "freeze", start: 2, end: 5 });
const freezeScript = [
  { kind: "open", defect: anOpenDefect({ type: "freeze", start: 2 }) },
  { kind: "close", defect: freeze },
] as const;

describe("worker", () => {
  const started = startedWorkers();

  it("publishes Job Started, each defect as it opens and clears, then Job Completed, and acks the job", async () => {
    const { queue, store, createWorker, detailTypes } = workerHarness();
    const message = aQueueMessage();
    await queue.send(message);
    started(createWorker(scriptedAnalyzer(freezeScript)));

    await waitFor(() => detailTypes(message.jobId).includes("Job Completed"));
    expect(detailTypes(message.jobId)).toEqual([
      "Job Started",
      "Defect Detected",
      "Defect Cleared",
      "Job Completed",
    ]);
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 0, deadLetters: 0 });
    const view = await store.get(message.jobId);
    expect(view?.status).toBe("completed");
    expect(view?.defects).toEqual([{ ...freeze, alertId: alertId(message.jobId, freeze) }]);
  });

  it("runs only the requested detectors that belong to its group", async () => {
    const { queue, createWorker } = workerHarness();
    const seen: string[][] = [];
    const analyze: Analyzer = async (message, run) => {
      seen.push([...run.detectors]);
      return scriptedAnalyzer([])(message, run);
    };
    await queue.send(aQueueMessage({ detectors: ["freeze", "clipping"] }));
    started(createWorker(analyze));
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toEqual(["freeze"]);
  });

  it("retries a retryable failure and fails the job for good at the receive limit", async () => {
    const { queue, events, createWorker, detailTypes } = workerHarness({ maxReceiveCount: 3 });
    let attempts = 0;
    const analyze: Analyzer = async () => {
      attempts++;
      throw new SourceUnreachableError("origin returned 503");
    };
    const message = aQueueMessage();
    await queue.send(message);
    started(createWorker(analyze, { maxReceiveCount: 3 }));

    await waitFor(() => detailTypes(message.jobId).includes("Job Failed"));
    expect(attempts).toBe(3);
    expect(detailTypes(message.jobId).filter((t) => t === "Job Failed")).toHaveLength(1);
    const failed = events.find((e) => e["detail-type"] === "Job Failed");
    expect(failed?.detail).toMatchObject({
      error: { code: "SOURCE_UNREACHABLE", message: "origin returned 503", retryable: true },
    });
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts()).toMatchObject({ visible: 0, deadLetters: 0 });
  });

  it("fails a job at once when a retry cannot help", async () => {
    const { queue, events, createWorker, detailTypes } = workerHarness();
    let attempts = 0;
    const analyze: Analyzer = async () => {
      attempts++;
      throw new InvalidSourceError("clip.mp4: no such file");
    };
    const message = aQueueMessage();
    await queue.send(message);
    started(createWorker(analyze));

    await waitFor(() => detailTypes(message.jobId).includes("Job Failed"));
    expect(attempts).toBe(1);
    expect(events.find((e) => e["detail-type"] === "Job Failed")?.detail).toMatchObject({
      error: { code: "INVALID_SOURCE", retryable: false },
    });
  });

  it("does not repeat an alert that an earlier attempt of the job already published", async () => {
    const { queue, bus, createWorker, detailTypes } = workerHarness();
    const message = aQueueMessage();
    await bus.publish([defectDetected(message.jobId, anOpenDefect({ type: "freeze", start: 2 }))]);
    await bus.idle();
    await queue.send(message);
    started(createWorker(scriptedAnalyzer(freezeScript)));

    await waitFor(() => detailTypes(message.jobId).includes("Job Completed"));
    expect(detailTypes(message.jobId)).toEqual([
      "Defect Detected",
      "Job Started",
      "Defect Cleared",
      "Job Completed",
    ]);
  });

  it("never runs more jobs at once than its concurrency", async () => {
    const { queue, createWorker } = workerHarness();
    const endless = endlessAnalyzer();
    for (let i = 0; i < 5; i++) await queue.send(aQueueMessage());
    const worker = started(createWorker(endless.analyze, { concurrency: 2 }));

    await waitFor(() => worker.runningJobIds().length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(worker.runningJobIds()).toHaveLength(2);
    expect(queue.counts()).toMatchObject({ visible: 3, inFlight: 2 });
  });

  it("ends a job stopped on request as stopped, keeping what it found so far", async () => {
    const { queue, store, createWorker } = workerHarness();
    const endless = endlessAnalyzer();
    const message = aQueueMessage();
    await queue.send(message);
    const worker = started(createWorker(endless.analyze));
    await endless.started;

    expect(worker.stopJob(message.jobId)).toBe(true);
    await waitFor(() => queue.counts().inFlight === 0);
    await waitFor(async () => (await store.get(message.jobId))?.status === "stopped");
  });
});
