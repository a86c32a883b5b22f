import { describe, expect, it } from "vitest";
import type { Analyzer } from "../../core-service/src/worker/analyzer.ts";
import {
  aQueueMessage,
  endlessAnalyzer,
  scriptedAnalyzer,
  waitFor,
  workerHarness,
} from "./worker-harness.ts";

describe("worker shutdown (SIGTERM)", () => {
  it("lets a running job finish within the deadline and takes no new job", async () => {
    const { queue, createWorker, detailTypes } = workerHarness();
    let finish: () => void = () => {};
    const slow: Analyzer = (message, run) =>
      new Promise((resolve) => {
        finish = () => resolve(scriptedAnalyzer([])(message, run));
      });
    const first = aQueueMessage();
    await queue.send(first);
    const worker = createWorker(slow);
    worker.start();
    await waitFor(() => worker.runningJobIds().length === 1);

    const stopping = worker.stop(5000);
    const second = aQueueMessage();
    await queue.send(second);
    setTimeout(() => finish(), 100);
    const result = await stopping;

    expect(result).toEqual({ finished: 1, released: 0 });
    expect(detailTypes(first.jobId)).toContain("Job Completed");
    expect(detailTypes(second.jobId)).toEqual([]);
    expect(queue.counts()).toMatchObject({ visible: 1, inFlight: 0 });
  });

  it("releases a job still running at the deadline, so another worker takes it at once", async () => {
    const { queue, createWorker, detailTypes } = workerHarness({ visibilityTimeoutSeconds: 60 });
    const endless = endlessAnalyzer();
    const message = aQueueMessage();
    await queue.send(message);
    const worker = createWorker(endless.analyze);
    worker.start();
    await endless.started;

    const before = Date.now();
    const result = await worker.stop(500);
    const took = Date.now() - before;

    expect(result).toEqual({ finished: 0, released: 1 });
    expect(took).toBeLessThan(500);
    expect(detailTypes(message.jobId)).toEqual(["Job Started"]);
    const [redelivered] = await queue.receive(1);
    expect(redelivered?.message.jobId).toBe(message.jobId);
    expect(redelivered?.receiveCount).toBe(2);
  });

  it("a halted worker neither acks nor releases: the job returns once its visibility runs out", async () => {
    const { queue, createWorker, detailTypes } = workerHarness({ visibilityTimeoutSeconds: 1 });
    const endless = endlessAnalyzer();
    const message = aQueueMessage();
    await queue.send(message);
    const worker = createWorker(endless.analyze);
    worker.start();
    await endless.started;

    await worker.halt();
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 1 });
    expect(detailTypes(message.jobId)).toEqual(["Job Started"]);

    const [redelivered] = await queue.receive(1);
    expect(redelivered?.message.jobId).toBe(message.jobId);
    expect(redelivered?.receiveCount).toBe(2);
  });
});
