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
  /** When the queue first handed this message out (ms since epoch), the same on every redelivery. */
  readonly firstReceivedAt: number;
}

/**
 * Keeps a running job invisible to other workers, and says when that can no longer be counted on.
 *
 * The lease is *proven* until the deadline of the last visibility change that succeeded (counted from before the
 * call was sent). Extensions that fail, whatever the error (throttling, a bad parameter, the network), are tried
 * again while that deadline holds; once it is near, the lease is lost. So is a delivery the queue says it no
 * longer holds. SQS also caps the total invisibility of one delivery at 12 hours: when the next extension would
 * pass the cap the heartbeat makes a last one up to it and aborts `leaseEnding`; the lease then still holds
 * for a while (at least two thirds of a visibility timeout), long enough to hand the job on or fail it.
 */
export interface Heartbeat {
  /** Stops extending; an extension in flight is abandoned and awaited, so none can race the delete that follows. */
  stop(): Promise<void>;
  /**
   * Aborted (reason: {@link LeaseExpiredError}) when the lease can no longer be proven, a safety margin before
   * another worker could receive the job: the job must stop at once and publish, send and ack nothing more.
   */
  readonly leaseLost: AbortSignal;
  /** Aborted when the visibility cap is near: the lease holds a little longer, then runs out for good. */
  readonly leaseEnding: AbortSignal;
  /** True while the lease is proven, with the safety margin still ahead: the only time to send a hand-off. */
  held(): boolean;
}

export interface HeartbeatOptions {
  /**
   * Counts the visibility cap from the message's first delivery rather than this one, for jobs that cannot be
   * carried on by a new message (file jobs): a redelivery then gets what is left of the cap, not a fresh one.
   */
  readonly capFromFirstReceive?: boolean;
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
  startHeartbeat(job: ReceivedJob, options?: HeartbeatOptions): Heartbeat;
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
