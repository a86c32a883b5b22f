import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
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

export interface SqsJobQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Applied on every receive, so the heartbeat's pace matches however the queue itself is configured. */
  readonly visibilityTimeoutSeconds: number;
  readonly waitTimeSeconds?: number;
  /** SQS's fixed 12-hour cap; lowered only to test what happens when a job reaches it. */
  readonly maxTotalVisibilitySeconds?: number;
  readonly logger?: Logger;
}

const MAX_BATCH = 10;
// Both mean this receipt handle no longer holds the message (deleted, or redelivered to someone else): the lease
// is lost at once. Any other failure (throttling, InvalidParameterValue, the network) is retried by the heartbeat
// until the lease can no longer be proven.
const DELIVERY_GONE_ERRORS = new Set(["ReceiptHandleIsInvalid", "MessageNotInflight"]);

/**
 * The jobs queue on AWS. Poison messages are logged and left invisible, never deleted: the queue's redrive
 * policy moves them to the DLQ after `maxReceiveCount` deliveries, so they can neither loop forever nor vanish.
 */
export class SqsJobQueue implements JobQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly visibilityTimeoutSeconds: number;
  private readonly waitTimeSeconds: number;
  private readonly maxTotalVisibilitySeconds: number;
  private readonly logger: Logger;
  private readonly heartbeats = new HeartbeatRegistry();
  /** Per receipt: when the receive call was made and when it answered (see startLeaseHeartbeat). */
  private readonly receivedAt = new Map<string, { readonly requested: number; readonly answered: number }>();

  constructor(options: SqsJobQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 20;
    this.maxTotalVisibilitySeconds = options.maxTotalVisibilitySeconds ?? MAX_TOTAL_VISIBILITY_SECONDS;
    this.logger = (options.logger ?? silentLogger).child({ queue: "sqs", queueUrl: options.queueUrl });
  }

  async send(message: QueueMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: encodeQueueMessage(message),
        DelaySeconds: options.delaySeconds,
      }),
    );
  }

  async receive(max: number, signal?: AbortSignal): Promise<ReceivedJob[]> {
    if (signal?.aborted) return [];
    // Taken before the call: the 12-hour cap runs from when SQS handed the message out, which is no earlier.
    const receivedAt = Date.now();
    let messages: Message[];
    try {
      const output = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(max, MAX_BATCH)),
          WaitTimeSeconds: this.waitTimeSeconds,
          VisibilityTimeout: this.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"],
        }),
        { abortSignal: signal },
      );
      messages = output.Messages ?? [];
    } catch (error) {
      if (signal?.aborted) return [];
      throw error;
    }
    const timing = { requested: receivedAt, answered: Date.now() };
    return messages.flatMap((message) => this.toJob(message, timing) ?? []);
  }

  startHeartbeat(job: ReceivedJob, options: HeartbeatOptions = {}): Heartbeat {
    const heartbeat = startLeaseHeartbeat({
      ...options,
      visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
      receivedAt: this.receivedAt.get(job.receiptId)?.requested ?? Date.now(),
      answeredAt: this.receivedAt.get(job.receiptId)?.answered ?? Date.now(),
      job,
      maxTotalVisibilitySeconds: this.maxTotalVisibilitySeconds,
      extend: (seconds, signal) => this.changeVisibility(job, seconds, signal),
      logger: this.logger.child({ jobId: job.message.jobId, messageId: job.messageId }),
    });
    this.heartbeats.add(job.receiptId, heartbeat);
    return heartbeat;
  }

  async ack(job: ReceivedJob): Promise<void> {
    await this.heartbeats.stop(job.receiptId);
    this.receivedAt.delete(job.receiptId);
    await this.ignoringGoneDelivery(job, "ack", () =>
      this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: job.receiptId })),
    );
  }

  async release(job: ReceivedJob, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.heartbeats.stop(job.receiptId);
    this.receivedAt.delete(job.receiptId);
    await this.ignoringGoneDelivery(job, "release", () =>
      this.changeVisibility(job, options.delaySeconds ?? 0),
    );
  }

  private toJob(
    message: Message,
    timing: { readonly requested: number; readonly answered: number },
  ): ReceivedJob | undefined {
    const { MessageId: messageId, ReceiptHandle: receiptId, Body: body } = message;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? "1");
    const firstReceivedAt = Number(message.Attributes?.ApproximateFirstReceiveTimestamp ?? timing.requested);
    if (messageId === undefined || receiptId === undefined) {
      this.logger.error("SQS returned a message without id or receipt handle", { messageId });
      return undefined;
    }
    const decoded = decodeQueueMessage(body ?? "");
    if (!decoded.ok) {
      this.logger.warn("poison message left for the dead-letter queue", {
        messageId,
        receiveCount,
        reason: decoded.reason,
      });
      return undefined;
    }
    this.receivedAt.set(receiptId, timing);
    return { receiptId, receiveCount, message: decoded.message, messageId, firstReceivedAt };
  }

  private async changeVisibility(job: ReceivedJob, seconds: number, signal?: AbortSignal): Promise<void> {
    const command = new ChangeMessageVisibilityCommand({
      QueueUrl: this.queueUrl,
      ReceiptHandle: job.receiptId,
      VisibilityTimeout: seconds,
    });
    try {
      await this.client.send(command, { abortSignal: signal });
    } catch (error) {
      if (isDeliveryGone(error)) {
        throw new LeaseExpiredError(`message ${job.messageId} is no longer held by this receipt`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private async ignoringGoneDelivery(job: ReceivedJob, action: string, call: () => Promise<unknown>) {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof LeaseExpiredError) && !isDeliveryGone(error)) throw error;
      this.logger.warn(`${action} ignored: delivery no longer held`, { messageId: job.messageId });
    }
  }
}

function isDeliveryGone(error: unknown): boolean {
  return error instanceof Error && DELIVERY_GONE_ERRORS.has(error.name);
}
