import { describe, expect, it } from "vitest";
import type { QueueMessage } from "../../core-service/src/domain/job.ts";
import { createLogger, type Logger } from "../../core-service/src/logging/logger.ts";
import {
  type JobQueue,
  LeaseExpiredError,
  type ReceivedJob,
} from "../../core-service/src/ports/job-queue.ts";

export interface QueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly waitTimeSeconds: number;
  readonly maxReceiveCount: number;
  readonly maxTotalVisibilitySeconds?: number;
  readonly logger: Logger;
}

/** One fresh queue (and dead-letter queue) per test, plus the back doors a test needs to look inside. */
export interface QueueUnderTest {
  readonly queue: JobQueue;
  /** Enqueues a body as an arbitrary producer could, bypassing the typed `send`; returns its message id. */
  sendRaw(body: string): Promise<string>;
  /** Bodies that reached the dead-letter queue. */
  deadLetterBodies(): Promise<string[]>;
  /** Messages still on the queue: visible, in flight or delayed. */
  pendingCount(): Promise<number>;
}

export type QueueFactory = (settings: QueueSettings) => Promise<QueueUnderTest>;

let nextJob = 0;
function aMessage(overrides: Partial<QueueMessage> = {}): QueueMessage {
  nextJob++;
  return {
    version: 1,
    jobId: `job-${nextJob}`,
    source: "s3://bucket/clip.mp4",
    mode: "file",
    detectors: ["black", "freeze"],
    thresholds: {
      black: { pictureThreshold: 0.98 },
      freeze: {},
      blockiness: {},
      silence: {},
      clipping: {},
      loudness: {},
    },
    labels: { channel: "one" },
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function capturingLogger(): { logger: Logger; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (line) => entries.push(JSON.parse(line)) });
  return { logger, entries };
}

async function receiveOne(queue: JobQueue): Promise<ReceivedJob> {
  const [job, ...rest] = await queue.receive(10);
  expect(rest).toEqual([]);
  if (!job) throw new Error("expected a job, the queue returned none");
  return job;
}

/** Runs the same behaviour checks against any JobQueue adapter. */
export function describeJobQueueContract(adapterName: string, createQueue: QueueFactory): void {
  const open = (settings: Partial<QueueSettings> = {}) => {
    const { logger, entries } = capturingLogger();
    const defaults = { visibilityTimeoutSeconds: 1, waitTimeSeconds: 1, maxReceiveCount: 3, logger };
    return createQueue({ ...defaults, ...settings }).then((under) => ({ ...under, logs: entries }));
  };

  describe(`JobQueue contract: ${adapterName}`, () => {
    it("delivers a sent job once, validated, and forgets it when acked", async () => {
      const { queue, pendingCount } = await open();
      const message = aMessage();
      await queue.send(message);

      const job = await receiveOne(queue);
      expect(job.message).toEqual(message);
      expect(job.receiveCount).toBe(1);
      await queue.ack(job);

      expect(await pendingCount()).toBe(0);
      expect(await queue.receive(10)).toEqual([]);
    });

    it("hides a job from other receivers while it is in flight", async () => {
      const { queue } = await open({ visibilityTimeoutSeconds: 3 });
      await queue.send(aMessage());
      await receiveOne(queue);

      expect(await queue.receive(10)).toEqual([]);
    });

    it("redelivers an unacked job after the visibility timeout with receiveCount 2", async () => {
      const { queue } = await open({ visibilityTimeoutSeconds: 1, waitTimeSeconds: 3 });
      await queue.send(aMessage());
      const first = await receiveOne(queue);
      const started = Date.now();

      const second = await receiveOne(queue);
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      expect(second.messageId).toBe(first.messageId);
      expect(second.receiptId).not.toBe(first.receiptId);
      expect(second.receiveCount).toBe(2);
    });

    it("keeps a job hidden past its visibility timeout while the heartbeat runs, and stop then ack leaves nothing", async () => {
      const { queue, pendingCount } = await open({ visibilityTimeoutSeconds: 1, waitTimeSeconds: 1 });
      await queue.send(aMessage());
      const job = await receiveOne(queue);
      const heartbeat = queue.startHeartbeat(job);

      await sleep(2000);
      expect(await queue.receive(10)).toEqual([]);
      await heartbeat.stop();
      await queue.ack(job);

      expect(heartbeat.leaseLost.aborted).toBe(false);
      expect(await pendingCount()).toBe(0);
      expect(await queue.receive(10)).toEqual([]);
    });

    it("makes a released job visible again at once", async () => {
      const { queue } = await open({ visibilityTimeoutSeconds: 30 });
      await queue.send(aMessage());
      const job = await receiveOne(queue);
      await queue.release(job);
      const started = Date.now();

      const again = await receiveOne(queue);
      expect(Date.now() - started).toBeLessThan(500);
      expect(again.messageId).toBe(job.messageId);
      expect(again.receiveCount).toBe(2);
    });

    it("holds a job released with a delay back until the delay is over", async () => {
      const { queue } = await open({ visibilityTimeoutSeconds: 30, waitTimeSeconds: 1 });
      await queue.send(aMessage());
      const job = await receiveOne(queue);
      await queue.release(job, { delaySeconds: 2 });
      const released = Date.now();

      expect(await queue.receive(10)).toEqual([]);
      const again = await receiveOne(queue);
      expect(Date.now() - released).toBeGreaterThanOrEqual(1800);
      expect(again.messageId).toBe(job.messageId);
    });

    it("holds a job sent with a delay back until the delay is over", async () => {
      const { queue } = await open({ waitTimeSeconds: 1 });
      const sent = Date.now();
      await queue.send(aMessage(), { delaySeconds: 2 });

      expect(await queue.receive(10)).toEqual([]);
      await receiveOne(queue);
      expect(Date.now() - sent).toBeGreaterThanOrEqual(1800);
    });

    it("never returns poison messages, logs why, and dead-letters them after maxReceiveCount", async () => {
      const { queue, sendRaw, deadLetterBodies, logs } = await open({ maxReceiveCount: 2 });
      const poison = {
        "invalid JSON": "{not json",
        "schema mismatch": JSON.stringify({ version: 1, jobId: "x" }),
        "unsupported message version 2": JSON.stringify({ ...aMessage(), version: 2 }),
      };
      const ids = new Map<string, string>();
      for (const [reason, body] of Object.entries(poison)) ids.set(await sendRaw(body), reason);
      const valid = aMessage();
      await queue.send(valid);

      const returned: ReceivedJob[] = [];
      const deadline = Date.now() + 8000;
      while ((await deadLetterBodies()).length < 3 && Date.now() < deadline) {
        const jobs = await queue.receive(10);
        returned.push(...jobs);
        for (const job of jobs) await queue.ack(job);
      }

      expect(returned.map((job) => job.message)).toEqual([valid]);
      expect((await deadLetterBodies()).sort()).toEqual(Object.values(poison).sort());
      for (const [messageId, reason] of ids) {
        const logged = logs.filter((entry) => entry.messageId === messageId && entry.level === "WARN");
        expect(logged.length, `warnings for ${reason}`).toBeGreaterThanOrEqual(2);
        expect(String(logged[0]?.reason)).toContain(reason);
      }
    });

    it("returns empty-handed promptly when the receive is aborted mid long poll", async () => {
      const { queue } = await open({ waitTimeSeconds: 20 });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);

      expect(await queue.receive(10, controller.signal)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await queue.receive(10, controller.signal)).toEqual([]);
    });

    it("tells the worker when the total visibility cap is reached and lets the job reappear", async () => {
      const { queue } = await open({
        visibilityTimeoutSeconds: 1,
        waitTimeSeconds: 4,
        maxTotalVisibilitySeconds: 3,
      });
      await queue.send(aMessage());
      const received = Date.now();
      const job = await receiveOne(queue);
      const heartbeat = queue.startHeartbeat(job);

      const again = await receiveOne(queue);
      const hiddenFor = Date.now() - received;
      expect(heartbeat.leaseEnding.aborted).toBe(true);
      expect(heartbeat.leaseLost.aborted).toBe(true);
      expect(heartbeat.leaseLost.reason).toBeInstanceOf(LeaseExpiredError);
      expect(hiddenFor).toBeGreaterThanOrEqual(1500);
      expect(hiddenFor).toBeLessThanOrEqual(3500);
      expect(again.receiveCount).toBe(2);
      await heartbeat.stop();
      await queue.ack(again);
    });

    it("says when a message was first received, the same on every redelivery", async () => {
      const { queue } = await open({ visibilityTimeoutSeconds: 1, waitTimeSeconds: 3 });
      await queue.send(aMessage());
      const before = Date.now();
      const first = await receiveOne(queue);
      const second = await receiveOne(queue);

      expect(first.firstReceivedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(first.firstReceivedAt).toBeLessThanOrEqual(Date.now());
      expect(second.firstReceivedAt).toBe(first.firstReceivedAt);
      await queue.ack(second);
    });

    it("holds the lease while extensions succeed, and ends a redelivery's at once when its cap counts from the first delivery", async () => {
      const { queue } = await open({
        visibilityTimeoutSeconds: 1,
        waitTimeSeconds: 3,
        maxTotalVisibilitySeconds: 3,
      });
      await queue.send(aMessage());
      const first = await receiveOne(queue);
      let again = await receiveOne(queue);
      while (Date.now() - first.firstReceivedAt < 2000) again = await receiveOne(queue);

      const ownCap = queue.startHeartbeat(again);
      expect(ownCap.held()).toBe(true);
      expect(ownCap.leaseEnding.aborted).toBe(false);
      await ownCap.stop();
      const sharedCap = queue.startHeartbeat(again, { capFromFirstReceive: true });
      expect(sharedCap.leaseEnding.aborted).toBe(true);
      expect(sharedCap.held()).toBe(true);
      await sharedCap.stop();
      await queue.ack(again);
    });
  });
}
