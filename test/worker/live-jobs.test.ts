import { describe, expect, it, vi } from "vitest";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { JobRequest, type QueueMessage } from "../../core-service/src/domain/job.ts";
import { decodeQueueMessage, encodeQueueMessage } from "../../core-service/src/ports/queue-message-codec.ts";
import type { LiveAnalyzer } from "../../core-service/src/worker/live-analyzer.ts";
import { FAKE_LOUDNESS, fakeLiveEngine, liveHarness } from "./live-harness.ts";
import { aQueueMessage, startedWorkers, waitFor } from "./worker-harness.ts";

const aLiveJob = (overrides: Partial<QueueMessage> = {}) =>
  aQueueMessage({ source: "http://origin.example/live.m3u8", mode: "live", ...overrides });

const alertIdsOf = (events: AvmonEvent[], type: "Defect Detected" | "Defect Cleared") =>
  events.flatMap((e) => (e["detail-type"] === type ? [e.detail.alertId] : []));

describe("live jobs in the worker", () => {
  const started = startedWorkers();

  it("publishes a live defect's open and clear under one alertId and completes at the job's maximum duration", async () => {
    const { queue, ofJob, detailTypes, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    // Long enough that the time from Job Started to the engine (store reads, on a loaded machine) stays a part.
    const message = aLiveJob({ live: { maxDurationSeconds: 1.5 } });
    await queue.send(message);
    started(createWorker(engine.analyze));

    await waitFor(() => detailTypes(message.jobId).includes("Job Completed"));
    // Job Progress (the job's usage, worker/live-usage.ts) comes with the first stats and just before the end.
    expect(detailTypes(message.jobId).filter((type) => type !== "Job Progress")).toEqual([
      "Job Started",
      "Defect Detected",
      "Defect Cleared",
      "Job Completed",
    ]);
    expect(detailTypes(message.jobId).slice(-2)).toEqual(["Job Progress", "Job Completed"]);
    const events = ofJob(message.jobId);
    expect(alertIdsOf(events, "Defect Detected")).toEqual(["alert-1"]);
    expect(alertIdsOf(events, "Defect Cleared")).toEqual(["alert-1"]);
    expect(events.at(-1)?.detail).toMatchObject({
      reason: "end-of-source",
      summary: { loudness: FAKE_LOUDNESS },
    });
    expect(engine.runs[0]?.maxDuration).toBeGreaterThan(1);
    expect(engine.runs[0]?.maxDuration).toBeLessThanOrEqual(1.5);
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 0, deadLetters: 0 });
  });

  it("ends a stopped live job as stopped, clearing the defect that was still open", async () => {
    const { queue, store, ofJob, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    const message = aLiveJob();
    await queue.send(message);
    const worker = started(createWorker(engine.analyze));
    await waitFor(() => ofJob(message.jobId).some((e) => e["detail-type"] === "Defect Detected"));

    expect(worker.stopJob(message.jobId)).toBe(true);
    await waitFor(async () => (await store.get(message.jobId))?.status === "stopped");
    const events = ofJob(message.jobId);
    expect(alertIdsOf(events, "Defect Cleared")).toEqual(["alert-1"]);
    expect(events.at(-1)?.detail).toMatchObject({ reason: "stopped" });
    const view = await store.get(message.jobId);
    expect(view?.defects).toEqual([expect.objectContaining({ alertId: "alert-1", end: 5 })]);
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts().visible).toBe(0);
  });

  it("lets a live job's own maxDurationSeconds override the worker's default, and completes it there", async () => {
    const { queue, detailTypes, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    const message = aLiveJob({ live: { maxDurationSeconds: 1.5 } });
    await queue.send(message);
    started(createWorker(engine.analyze, { live: { maxDurationSeconds: 0.5 } }));

    await waitFor(() => detailTypes(message.jobId).includes("Job Completed"), 10_000);
    expect(engine.runs[0]?.maxDuration).toBeGreaterThan(1);
    expect(detailTypes(message.jobId)).not.toContain("Job Failed");
  });

  it("applies the worker's live defaults where the job leaves an option out", async () => {
    const { queue, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    await queue.send(aLiveJob({ live: { reconnect: { maxDelay: 4 } } }));
    started(
      createWorker(engine.analyze, {
        live: { stallAfterSeconds: 7, reconnect: { initialDelay: 1, maxDelay: 30 }, maxDurationSeconds: 60 },
      }),
    );

    await waitFor(() => engine.runs.length === 1);
    expect(engine.runs[0]).toMatchObject({ stallAfter: 7, reconnect: { initialDelay: 1, maxDelay: 4 } });
    expect(engine.runs[0]?.maxDuration).toBeGreaterThan(59);
  });

  it("resumes a live job whose worker died with its open defect and alertId, without announcing it again", async () => {
    const { queue, ofJob, createWorker } = liveHarness({ visibilityTimeoutSeconds: 1 });
    const engine = fakeLiveEngine();
    const message = aLiveJob();
    await queue.send(message);
    const first = started(createWorker(engine.analyze, { live: { leaseSeconds: 1 } }));
    await waitFor(() => ofJob(message.jobId).some((e) => e["detail-type"] === "Defect Detected"));
    const diedAt = Date.now();
    await first.halt();

    const second = started(createWorker(engine.analyze, { live: { leaseSeconds: 1 } }));
    await waitFor(() => engine.runs.length === 2, 5000);
    const resume = engine.runs[1]?.resumeState;
    expect(resume?.openDefects.map((d) => d.alertId)).toEqual(["alert-1"]);
    // The gap in watching starts where the dead worker last watched: no earlier than a lease before the return.
    const lastSeen = Date.parse(resume?.lastSeenAt ?? "");
    expect(lastSeen).toBeGreaterThanOrEqual(diedAt - 1500);
    expect(lastSeen).toBeLessThanOrEqual(Date.now());

    second.stopJob(message.jobId);
    await waitFor(() => ofJob(message.jobId).some((e) => e["detail-type"] === "Job Completed"));
    expect(alertIdsOf(ofJob(message.jobId), "Defect Detected")).toEqual(["alert-1"]);
    expect(alertIdsOf(ofJob(message.jobId), "Defect Cleared")).toEqual(["alert-1"]);
  });

  it("hands a live job on before the queue's visibility cap and carries on without a duplicate alert", async () => {
    const { queue, ofJob, createWorker } = liveHarness({
      visibilityTimeoutSeconds: 1,
      maxTotalVisibilitySeconds: 2,
    });
    const engine = fakeLiveEngine();
    const messages: QueueMessage[] = [];
    const recording: LiveAnalyzer = (message, run) => {
      messages.push(message);
      return engine.analyze(message, run);
    };
    const message = aLiveJob({ live: { maxDurationSeconds: 60 } });
    await queue.send(message);
    const worker = started(createWorker(recording));

    await waitFor(() => engine.runs.length >= 3, 10_000);
    expect(messages.map((m) => m.jobId)).toEqual([message.jobId, message.jobId, message.jobId]);
    expect(messages.map((m) => m.continuation?.handOffs)).toEqual([undefined, 1, 2]);
    const watchingSince = Date.parse(messages[1]?.continuation?.watchingSince ?? "");
    expect(messages[2]?.continuation?.watchingSince).toBe(messages[1]?.continuation?.watchingSince);
    expect(engine.runs[2]?.resumeState?.openDefects.map((d) => d.alertId)).toEqual(["alert-1"]);
    // The job's usage goes on across hand-offs: 5 s of stream, then 2 more (from 3 s to 5 s) in the second.
    const usages = messages.map((m) => m.continuation?.usage);
    expect(usages.map((u) => u?.mediaSeconds)).toEqual([undefined, 5, 7]);
    expect(usages[2]?.cpuSeconds).toBeGreaterThanOrEqual(usages[1]?.cpuSeconds ?? Number.POSITIVE_INFINITY);
    // Max duration counts from the first start, not from each delivery.
    expect(engine.runs[2]?.maxDuration).toBeLessThan(60 - (Date.now() - watchingSince) / 1000 + 0.5);

    worker.stopJob(message.jobId);
    await waitFor(() => ofJob(message.jobId).some((e) => e["detail-type"] === "Job Completed"));
    expect(alertIdsOf(ofJob(message.jobId), "Defect Detected")).toEqual(["alert-1"]);
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts()).toMatchObject({ visible: 0, delayed: 0, deadLetters: 0 });
  });

  it("flushes the bus before it acknowledges a finished job, so a crash cannot lose Job Completed", async () => {
    const { queue, bus, detailTypes, createWorker } = liveHarness();
    const calls: string[] = [];
    const flush = bus.flush.bind(bus);
    vi.spyOn(bus, "flush").mockImplementation(async () => {
      calls.push("flush");
      await flush();
    });
    const ack = queue.ack.bind(queue);
    vi.spyOn(queue, "ack").mockImplementation(async (job) => {
      calls.push("ack");
      await ack(job);
    });
    const message = aLiveJob({ live: { maxDurationSeconds: 0.1 } });
    await queue.send(message);
    started(createWorker(fakeLiveEngine().analyze));

    await waitFor(() => calls.includes("ack"));
    expect(detailTypes(message.jobId)).toContain("Job Completed");
    expect(calls.slice(0, 2)).toEqual(["flush", "ack"]);
  });
});

describe("live job options", () => {
  it("refuses live options on a file job, naming the field", () => {
    const parsed = JobRequest.safeParse({ source: "clip.mp4", live: { maxDurationSeconds: 60 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["live"]);
  });

  it("refuses a maximum duration that is not positive", () => {
    const parsed = JobRequest.safeParse({
      source: "http://o.example/x.m3u8",
      mode: "live",
      live: { maxDurationSeconds: 0 },
    });
    expect(parsed.error?.issues[0]?.path).toEqual(["live", "maxDurationSeconds"]);
  });

  it("carries a continuation through the queue codec unchanged", () => {
    const message = aLiveJob({
      continuation: {
        watchingSince: "2025-01-01T12:00:00.000Z",
        handOffs: 1,
        resumeState: {
          openDefects: [
            {
              alertId: "a-1",
              defect: { type: "stall", start: 3, severity: "critical", confidence: 1, metrics: {} },
            },
          ],
          lastStreamTime: 40,
          lastSeenAt: "2025-01-01T12:00:40.000Z",
          timelineOffsets: { video: 0, audio: -2 },
        },
      },
    });
    expect(decodeQueueMessage(encodeQueueMessage(message))).toEqual({ ok: true, message });
  });
});

describe("live jobs at shutdown", () => {
  it("hands a running live job to the next worker at once, with its open defect, instead of holding it to the deadline", async () => {
    const { queue, ofJob, createWorker } = liveHarness();
    const engine = fakeLiveEngine();
    const message = aLiveJob();
    await queue.send(message);
    const worker = createWorker(engine.analyze);
    worker.start();
    await waitFor(() => ofJob(message.jobId).some((e) => e["detail-type"] === "Defect Detected"));

    const stoppingAt = Date.now();
    const result = await worker.stop(30_000);
    expect(Date.now() - stoppingAt).toBeLessThan(2_000);
    expect(result).toEqual({ finished: 0, released: 1 });
    expect(queue.counts()).toMatchObject({ visible: 1, inFlight: 0 });
    expect(ofJob(message.jobId).map((e) => e["detail-type"])).not.toContain("Job Completed");

    const next = fakeLiveEngine();
    const successor = createWorker(next.analyze);
    successor.start();
    await waitFor(() => next.runs.length === 1);
    expect(next.runs[0]?.resumeState?.openDefects.map((d) => d.alertId)).toEqual(["alert-1"]);
    await successor.stop(0);
    expect(alertIdsOf(ofJob(message.jobId), "Defect Detected")).toEqual(["alert-1"]);
  });
});
