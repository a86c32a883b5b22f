/**
 * A task whose live slots are full hands the live jobs it receives back over the real SQS wire protocol
 * (fauxqs), however often, without a delivery counting against the redrive policy: when every task is full
 * for the minutes a scale-out takes, no live job ends in the DLQ, and the task that has room takes it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { Worker } from "../../core-service/src/worker/worker.ts";
import { countMessages, createQueueWithDlq, peekBodies } from "../support/fauxqs-queues.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { fakeLiveEngine } from "../worker/live-harness.ts";
import { aQueueMessage, scriptedAnalyzer, waitFor } from "../worker/worker-harness.ts";

let server: FauxqsServer;
beforeAll(async () => {
  server = await startFauxqsServer();
});
afterAll(async () => {
  await server.stop();
});

describe("full live slots over SQS", () => {
  it("returns a live job as often as it arrives at a full task, and the DLQ stays empty until a task takes it", async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(server, {
      visibilityTimeoutSeconds: 4,
      maxReceiveCount: 2,
    });
    const queue = new SqsJobQueue({
      client: server.client,
      queueUrl,
      visibilityTimeoutSeconds: 4,
      waitTimeSeconds: 1,
    });
    const bus = new MemoryEventBus({ logger: silentLogger });
    const events: AvmonEvent[] = [];
    bus.subscribe({ source: ["avmon"] }, (event) => {
      events.push(event);
    });
    const engine = fakeLiveEngine();
    const aWorker = () =>
      new Worker({
        queue,
        bus,
        analyze: scriptedAnalyzer([]),
        analyzeLive: engine.analyze,
        detectors: ["freeze"],
        maxReceiveCount: 2,
        retryBaseSeconds: 0,
        concurrency: 1,
        maxLiveStreams: 1,
        fullPauseMs: 20,
        logger: silentLogger,
      });
    const live = () => aQueueMessage({ mode: "live", source: "http://origin.example/live.m3u8" });
    const first = live();
    const second = live();
    const full = aWorker();
    const other = aWorker();
    await queue.send(first);
    full.start();
    try {
      await waitFor(() => full.runningLiveJobs() === 1, 10_000);
      const sends = vi.spyOn(queue, "send");
      await queue.send(second);
      await waitFor(() => sends.mock.calls.length >= 5, 20_000);
      expect(await peekBodies(server, dlqUrl)).toEqual([]);

      other.start();
      await waitFor(() => other.runningJobIds().includes(second.jobId), 20_000);
      const started = events.find(
        (e) => e.detail.jobId === second.jobId && e["detail-type"] === "Job Started",
      );
      expect(started?.detail).toMatchObject({ attempt: 1 });
      expect(full.runningJobIds()).toEqual([first.jobId]);
      expect(await peekBodies(server, dlqUrl)).toEqual([]);
    } finally {
      await Promise.all([full.stop(0), other.stop(0)]);
    }
    // Stopping hands both live jobs on: two continuations wait on the queue, nothing in the DLQ.
    expect(await countMessages(server, queueUrl)).toBe(2);
    expect(await peekBodies(server, dlqUrl)).toEqual([]);
  });
});
