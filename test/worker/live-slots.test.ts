import { describe, expect, it, vi } from "vitest";
import type { QueueMessage } from "../../core-service/src/domain/job.ts";
import { anOpenDefect } from "../support/avmon-events.ts";
import { fakeLiveEngine, liveHarness } from "./live-harness.ts";
import { aQueueMessage, endlessAnalyzer, startedWorkers, waitFor } from "./worker-harness.ts";

const aLiveJob = (overrides: Partial<QueueMessage> = {}) =>
  aQueueMessage({ source: "http://origin.example/live.m3u8", mode: "live", ...overrides });

/** A live job handed on by an earlier worker, with the freeze it had announced and not yet cleared. */
const aContinuation = (): QueueMessage =>
  aLiveJob({
    continuation: {
      watchingSince: new Date().toISOString(),
      handOffs: 1,
      resumeState: {
        openDefects: [{ alertId: "alert-handed-on", defect: anOpenDefect({ type: "freeze", start: 2 }) }],
        lastStreamTime: 3,
        lastSeenAt: new Date().toISOString(),
        timelineOffsets: { video: 0, audio: 0 },
      },
    },
  });

describe("live slots", () => {
  const started = startedWorkers();

  it("follows live jobs beyond its file concurrency, up to its live slots, and file jobs beside them", async () => {
    const { queue, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    const file = endlessAnalyzer();
    for (let i = 0; i < 3; i++) await queue.send(aLiveJob());
    await queue.send(aQueueMessage());
    const worker = started(createWorker(engine.analyze, { analyze: file.analyze, maxLiveStreams: 3 }));

    await waitFor(() => worker.runningJobIds().length === 4);
    expect(worker.runningLiveJobs()).toBe(3);
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 4 });
  });

  it("returns a live job received while its live slots are full to the queue, where another task takes it", async () => {
    // Two deliveries to the DLQ: had the returns counted as deliveries, the job would be dead long before B.
    const { queue, ofJob, createWorker } = liveHarness({ maxReceiveCount: 2 });
    const engine = fakeLiveEngine();
    const first = aLiveJob();
    const handedOn = aContinuation();
    await queue.send(first);
    const full = started(createWorker(engine.analyze, { maxLiveStreams: 1, fullPauseMs: 20 }));
    await waitFor(() => full.runningLiveJobs() === 1);
    const sends = vi.spyOn(queue, "send");
    await queue.send(handedOn);
    await waitFor(() => sends.mock.calls.length >= 5);
    expect(full.runningJobIds()).toEqual([first.jobId]);

    const other = started(createWorker(engine.analyze, { maxLiveStreams: 1, maxReceiveCount: 2 }));
    await waitFor(() => other.runningLiveJobs() === 1);
    expect(other.runningJobIds()).toEqual([handedOn.jobId]);
    // The continuation arrives as a first delivery, so the new task resumes from it exactly.
    const started_ = ofJob(handedOn.jobId).find((e) => e["detail-type"] === "Job Started");
    expect(started_?.detail).toMatchObject({ attempt: 1 });
    const resumed = engine.runs.at(-1)?.resumeState;
    expect(resumed?.openDefects.map((d) => d.alertId)).toEqual(["alert-handed-on"]);
    expect(ofJob(handedOn.jobId).map((e) => e["detail-type"])).not.toContain("Defect Detected");
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 2, deadLetters: 0 });
  });

  it("keeps taking file jobs while its live slots are full", async () => {
    const { queue, detailTypes, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    await queue.send(aLiveJob());
    const worker = started(createWorker(engine.analyze, { maxLiveStreams: 1, fullPauseMs: 20 }));
    await waitFor(() => worker.runningLiveJobs() === 1);
    await queue.send(aLiveJob());
    const file = aQueueMessage();
    await queue.send(file);

    await waitFor(() => detailTypes(file.jobId).includes("Job Completed"));
    expect(worker.runningLiveJobs()).toBe(1);
    await waitFor(() => queue.counts().visible === 1);
    expect(queue.counts().deadLetters).toBe(0);
  });

  it("refuses live slots that are not a positive integer", () => {
    const { createWorker } = liveHarness();
    expect(() => createWorker(fakeLiveEngine().analyze, { maxLiveStreams: 0 })).toThrow(/maxLiveStreams/);
  });
});

describe("live profile", () => {
  const started = startedWorkers();

  it("gives a live job that asks for no profile the worker's, and lets a job's own profile win", async () => {
    const { queue, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    const worker = started(createWorker(engine.analyze, { live: { profile: "economy" } }));
    await queue.send(aLiveJob());
    await waitFor(() => engine.runs.length === 1);
    await queue.send(aLiveJob({ live: { profile: "full" } }));
    await waitFor(() => engine.runs.length === 2);

    expect(engine.runs.map((run) => run.profile)).toEqual(["economy", "full"]);
    expect(worker.runningLiveJobs()).toBe(2);
  });
});
