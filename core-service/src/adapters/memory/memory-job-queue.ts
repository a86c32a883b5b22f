import { randomUUID } from "node:crypto";
import type { QueueMessage } from "../../domain/job.ts";
import { type Logger, silentLogger } from "../../logging/logger.ts";
import {
  type Heartbeat,
  type HeartbeatOptions,
  type JobQueue,
  LeaseExpiredError,
  MAX_TOTAL_VISIBILITY_SECONDS,
  type ReceivedJob,
} from "../../ports/job-queue.ts";
import { HeartbeatRegistry, startLeaseHeartbeat } from "../../ports/lease-heartbeat.ts";
import { decodeQueueMessage, encodeQueueMessage } from "../../ports/queue-message-codec.ts";
import { QueueWaiters } from "./queue-waiters.ts";

export interface MemoryJobQueueOptions {
  readonly visibilityTimeoutSeconds?: number;
  readonly waitTimeSeconds?: number;
  /** Deliveries before a message moves to the dead-letter list, like an SQS redrive policy. */
  readonly maxReceiveCount?: number;
  readonly maxTotalVisibilitySeconds?: number;
  readonly logger?: Logger;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly reason: string;
  readonly receiveCount: number;
  readonly deadLetteredAt: Date;
}

export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLetters: number;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  visibleAt: number;
  receiptId: string | undefined;
  receivedAt: number;
  firstReceivedAt: number | undefined;
  lastFailure: string | undefined;
}

const MAX_BATCH = 10;
const MAX_SEND_DELAY_SECONDS = 900;

/**
 * The jobs queue of the local stack (`avmon serve`), with SQS's semantics so the worker behaves the same
 * locally and on AWS: visibility timeout, redelivery with a receive count, per-message delay, long polling, and
 * a dead-letter list fed after `maxReceiveCount` deliveries.
 */
export class MemoryJobQueue implements JobQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly dead: DeadLetter[] = [];
  private readonly waiters = new QueueWaiters();
  private readonly heartbeats = new HeartbeatRegistry();
  private readonly visibilityTimeoutSeconds: number;
  private readonly waitTimeSeconds: number;
  private readonly maxReceiveCount: number;
  private readonly maxTotalVisibilitySeconds: number;
  private readonly logger: Logger;

  constructor(options: MemoryJobQueueOptions = {}) {
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 20;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.maxTotalVisibilitySeconds = options.maxTotalVisibilitySeconds ?? MAX_TOTAL_VISIBILITY_SECONDS;
    this.logger = (options.logger ?? silentLogger).child({ queue: "memory" });
  }

  async send(message: QueueMessage, options?: { delaySeconds?: number }): Promise<void> {
    this.sendRaw(encodeQueueMessage(message), options);
  }

  /** Enqueues a body as-is, as any SQS producer could; the typed `send` is the normal way in. */
  sendRaw(body: string, options: { delaySeconds?: number } = {}): string {
    const delaySeconds = options.delaySeconds ?? 0;
    if (delaySeconds < 0 || delaySeconds > MAX_SEND_DELAY_SECONDS) {
      throw new RangeError(
        `delaySeconds must be between 0 and ${MAX_SEND_DELAY_SECONDS}, got ${delaySeconds}`,
      );
    }
    const messageId = randomUUID();
    this.messages.set(messageId, {
      messageId,
      body,
      receiveCount: 0,
      visibleAt: Date.now() + delaySeconds * 1000,
      receiptId: undefined,
      receivedAt: 0,
      firstReceivedAt: undefined,
      lastFailure: undefined,
    });
    this.waiters.notify();
    return messageId;
  }

  async receive(max: number, signal?: AbortSignal): Promise<ReceivedJob[]> {
    const deadline = Date.now() + this.waitTimeSeconds * 1000;
    while (!signal?.aborted) {
      const { jobs, delivered } = this.deliverVisible(Math.max(1, Math.min(max, MAX_BATCH)));
      // Like SQS, a poll that delivered only poison returns empty-handed rather than waiting on.
      if (delivered > 0) return jobs;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await this.waiters.waitForChange(Math.min(remaining, this.msUntilNextVisible()), signal);
    }
    return [];
  }

  startHeartbeat(job: ReceivedJob, options: HeartbeatOptions = {}): Heartbeat {
    const heartbeat = startLeaseHeartbeat({
      ...options,
      visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
      receivedAt: this.messages.get(job.messageId)?.receivedAt ?? Date.now(),
      answeredAt: this.messages.get(job.messageId)?.receivedAt ?? Date.now(),
      job,
      maxTotalVisibilitySeconds: this.maxTotalVisibilitySeconds,
      extend: async (seconds) => {
        this.messageInFlight(job).visibleAt = Date.now() + seconds * 1000;
      },
      logger: this.logger.child({ jobId: job.message.jobId, messageId: job.messageId }),
    });
    this.heartbeats.add(job.receiptId, heartbeat);
    return heartbeat;
  }

  async ack(job: ReceivedJob): Promise<void> {
    await this.heartbeats.stop(job.receiptId);
    if (this.isHeld(job)) this.messages.delete(job.messageId);
    else this.logger.warn("ack ignored: delivery no longer held", { messageId: job.messageId });
  }

  async release(job: ReceivedJob, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.heartbeats.stop(job.receiptId);
    const stored = this.messages.get(job.messageId);
    if (stored === undefined || stored.receiptId !== job.receiptId) {
      this.logger.warn("release ignored: delivery no longer held", { messageId: job.messageId });
      return;
    }
    stored.visibleAt = Date.now() + (options.delaySeconds ?? 0) * 1000;
    stored.receiptId = undefined;
    this.waiters.notify();
  }

  /** Messages that failed `maxReceiveCount` times, oldest first, with why (for tests and /metrics). */
  deadLetters(): readonly DeadLetter[] {
    return [...this.dead];
  }

  counts(): QueueCounts {
    const now = Date.now();
    let visible = 0;
    let inFlight = 0;
    for (const stored of this.messages.values()) {
      if (stored.visibleAt <= now) visible++;
      else if (stored.receiptId !== undefined) inFlight++;
    }
    const delayed = this.messages.size - visible - inFlight;
    return { visible, inFlight, delayed, deadLetters: this.dead.length };
  }

  private deliverVisible(max: number): { jobs: ReceivedJob[]; delivered: number } {
    const now = Date.now();
    const jobs: ReceivedJob[] = [];
    let delivered = 0;
    for (const stored of this.messages.values()) {
      if (delivered >= max) break;
      if (stored.visibleAt > now) continue;
      stored.receiveCount++;
      if (stored.receiveCount > this.maxReceiveCount) {
        this.deadLetter(stored);
        continue;
      }
      stored.receiptId = randomUUID();
      stored.receivedAt = now;
      stored.firstReceivedAt ??= now;
      stored.visibleAt = now + this.visibilityTimeoutSeconds * 1000;
      delivered++;
      const job = this.toJob(stored, stored.receiptId);
      if (job) jobs.push(job);
    }
    return { jobs, delivered };
  }

  private toJob(stored: StoredMessage, receiptId: string): ReceivedJob | undefined {
    const decoded = decodeQueueMessage(stored.body);
    if (decoded.ok) {
      return {
        receiptId,
        receiveCount: stored.receiveCount,
        message: decoded.message,
        messageId: stored.messageId,
        firstReceivedAt: stored.firstReceivedAt ?? stored.receivedAt,
      };
    }
    stored.lastFailure = decoded.reason;
    this.logger.warn("poison message left for the dead-letter list", {
      messageId: stored.messageId,
      receiveCount: stored.receiveCount,
      maxReceiveCount: this.maxReceiveCount,
      reason: decoded.reason,
    });
    return undefined;
  }

  private deadLetter(stored: StoredMessage): void {
    this.messages.delete(stored.messageId);
    const reason = stored.lastFailure ?? `not acknowledged after ${this.maxReceiveCount} deliveries`;
    const receiveCount = stored.receiveCount - 1;
    this.dead.push({
      messageId: stored.messageId,
      body: stored.body,
      reason,
      receiveCount,
      deadLetteredAt: new Date(),
    });
    this.logger.error("message moved to the dead-letter list", {
      messageId: stored.messageId,
      reason,
      receiveCount,
    });
  }

  private msUntilNextVisible(): number {
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const stored of this.messages.values()) soonest = Math.min(soonest, stored.visibleAt - now);
    return Math.max(0, soonest);
  }

  private isHeld(job: ReceivedJob): boolean {
    return this.messages.get(job.messageId)?.receiptId === job.receiptId;
  }

  private messageInFlight(job: ReceivedJob): StoredMessage {
    const stored = this.messages.get(job.messageId);
    if (stored === undefined || stored.receiptId !== job.receiptId || stored.visibleAt <= Date.now()) {
      throw new LeaseExpiredError(`message ${job.messageId} is no longer in flight for this delivery`);
    }
    return stored;
  }
}
