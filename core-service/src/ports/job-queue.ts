import { AvmonError } from "../domain/errors.ts";
import type { QueueMessage } from "../domain/job.ts";

/** A job handed to one worker; others cannot see it until it is acked, released or its lease runs out. */
export interface ReceivedJob {
  /** Opaque handle for this delivery (SQS receipt handle); a redelivery gets a new one. */
  readonly receiptId: string;
  /** 1 on first delivery. */
  readonly receiveCount: number;
  readonly message: QueueMessage;
  readonly messageId: string;
}

/**
 * Keeps a running job invisible to other workers. SQS caps the total invisibility of one delivery at 12 hours;
 * when the next extension would pass that cap the heartbeat makes a last extension up to the cap, stops, and
 * aborts `leaseLost` (reason: {@link LeaseExpiredError}). The job then reappears on the queue once the last
 * extension runs out, so a worker that must go on (a live stream) should send a continuation message and ack
 * this one before that happens; other workers should wind the job down.
 */
export interface Heartbeat {
  /** Stops extending and waits for any extension in flight, so none can race the delete that follows. */
  stop(): Promise<void>;
  /** Aborted when the queue can no longer keep this job hidden (12-hour cap reached, or the delivery is gone). */
  readonly leaseLost: AbortSignal;
}

export interface JobQueue {
  send(message: QueueMessage, options?: { delaySeconds?: number }): Promise<void>;
  /**
   * Up to `max` (at most 10) valid jobs; long-polls up to the adapter's wait time. Resolves with `[]` as soon
   * as `signal` aborts. Poison messages (bad JSON, wrong schema, unknown version) are logged and never
   * returned; they stay invisible for one visibility timeout each time, so the redrive policy (memory: the
   * dead-letter list) takes them after `maxReceiveCount` deliveries.
   */
  receive(max: number, signal?: AbortSignal): Promise<ReceivedJob[]>;
  /** Starts extending the job's visibility while it runs; ack/release stop it first if the caller did not. */
  startHeartbeat(job: ReceivedJob): Heartbeat;
  /** Deletes the job for good. A delivery that is no longer held is ignored. */
  ack(job: ReceivedJob): Promise<void>;
  /** Makes the job visible again, at once or after `delaySeconds`. A delivery no longer held is ignored. */
  release(job: ReceivedJob, options?: { delaySeconds?: number }): Promise<void>;
}

/** SQS's limit on the total time one delivery can stay invisible (ChangeMessageVisibility included). */
export const MAX_TOTAL_VISIBILITY_SECONDS = 43_200;

/** The queue can no longer keep a job hidden from other workers; it will be delivered again. */
export class LeaseExpiredError extends AvmonError {
  readonly code = "LEASE_EXPIRED";
  readonly retryable = true;
}
