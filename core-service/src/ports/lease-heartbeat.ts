import type { Logger } from "../logging/logger.ts";
import { type Heartbeat, type HeartbeatOptions, LeaseExpiredError, type ReceivedJob } from "./job-queue.ts";

export interface LeaseHeartbeatOptions extends HeartbeatOptions {
  readonly visibilityTimeoutSeconds: number;
  /** When this delivery was received (ms since epoch), taken before the receive call: the cap counts from here. */
  readonly receivedAt: number;
  /**
   * When the receive call answered: the first proof of the lease. A long poll may wait many seconds before
   * SQS hands a message out, so the call's start would prove next to nothing; the answer comes a network
   * round trip after the hand-out, which the safety margin covers.
   */
  readonly answeredAt: number;
  readonly job: Pick<ReceivedJob, "firstReceivedAt">;
  readonly maxTotalVisibilitySeconds: number;
  /**
   * Hides the job for `seconds` from now. Throws {@link LeaseExpiredError} if the delivery is no longer held;
   * any other error may be transient. `signal` aborts when the heartbeat stops.
   */
  readonly extend: (seconds: number, signal: AbortSignal) => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** The most the lease is given up before its proven deadline (a quarter of a visibility timeout when that is less). */
const MAX_SAFETY_MARGIN_MS = 5000;

/**
 * The heartbeat both queue adapters share: every third of the visibility timeout it pushes the deadline one
 * full timeout ahead, so two extensions can fail before the lease is given up. Ticks are chained, not on an
 * interval, so a slow extension never overlaps the next one; a timer of its own gives the lease up at the
 * proven deadline less a safety margin, however long an extension call hangs.
 */
export function startLeaseHeartbeat(options: LeaseHeartbeatOptions): Heartbeat {
  const now = options.now ?? Date.now;
  const visibilityMs = options.visibilityTimeoutSeconds * 1000;
  const marginMs = Math.min(MAX_SAFETY_MARGIN_MS, visibilityMs / 4);
  const capMs = options.maxTotalVisibilitySeconds * 1000;
  const capStart = options.capFromFirstReceive
    ? Math.min(options.receivedAt, options.job.firstReceivedAt)
    : options.receivedAt;
  const leaseEndsAt = capStart + capMs;
  const capReason = `the visibility cap of ${options.maxTotalVisibilitySeconds} s, counted from ${
    options.capFromFirstReceive ? "the job's first delivery" : "this delivery"
  }, ends at ${new Date(leaseEndsAt).toISOString()}`;
  const lost = new AbortController();
  const ending = new AbortController();
  const stopping = new AbortController();
  let provenUntil = options.answeredAt + visibilityMs;
  let lastFailure: unknown;
  let tickTimer: NodeJS.Timeout | undefined;
  let lossTimer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const isOver = () => lost.signal.aborted || stopping.signal.aborted;

  const loseLease = (reason: string) => {
    if (isOver()) return;
    clearTimeout(tickTimer);
    clearTimeout(lossTimer);
    options.logger.warn("job lease lost", { reason });
    lost.abort(new LeaseExpiredError(reason));
  };

  const armLossTimer = () => {
    clearTimeout(lossTimer);
    lossTimer = setTimeout(
      () => {
        const cause = lastFailure instanceof Error ? lastFailure.message : "no extension succeeded";
        const gaveUp = ending.signal.aborted ? capReason : `visibility could not be extended (${cause})`;
        loseLease(
          `${gaveUp}; the lease is given up before its deadline, ${new Date(provenUntil).toISOString()}`,
        );
      },
      Math.max(0, provenUntil - marginMs - now()),
    );
    lossTimer.unref();
  };

  const endLease = () => {
    options.logger.info("job lease ending at the visibility cap", { leaseEndsAt });
    ending.abort(new LeaseExpiredError(capReason));
  };

  const extendOnce = async () => {
    const remainingMs = leaseEndsAt - now();
    const isLastExtension = remainingMs <= visibilityMs;
    const seconds = Math.floor(Math.min(visibilityMs, remainingMs) / 1000);
    const sentAt = now();
    try {
      if (seconds > 0) await options.extend(seconds, stopping.signal);
      if (isOver()) return;
      provenUntil = Math.max(provenUntil, sentAt + seconds * 1000);
      lastFailure = undefined;
      armLossTimer();
    } catch (error) {
      if (isOver()) return;
      if (error instanceof LeaseExpiredError) return loseLease(error.message);
      // Anything else may pass: the next tick tries again while the proven deadline still holds.
      lastFailure = error;
      options.logger.warn("visibility extension failed", { error, provenUntil: new Date(provenUntil) });
    }
    if (isLastExtension) endLease();
  };

  const schedule = () => {
    if (isOver() || ending.signal.aborted) return;
    tickTimer = setTimeout(() => {
      inFlight = extendOnce().finally(schedule);
    }, visibilityMs / 3);
    tickTimer.unref();
  };

  armLossTimer();
  // A redelivery that finds the cap (nearly) spent has nothing to extend: it ends at once, on what it holds.
  if (leaseEndsAt - now() <= visibilityMs) endLease();
  else schedule();
  return {
    leaseLost: lost.signal,
    leaseEnding: ending.signal,
    held: () => !isOver() && now() < provenUntil - marginMs,
    async stop() {
      if (!stopping.signal.aborted) stopping.abort();
      clearTimeout(tickTimer);
      clearTimeout(lossTimer);
      await inFlight;
    },
  };
}

/** The heartbeats running per delivery, so ack/release can stop one first even if the caller forgot to. */
export class HeartbeatRegistry {
  private readonly running = new Map<string, Heartbeat>();

  add(receiptId: string, heartbeat: Heartbeat): void {
    this.running.set(receiptId, heartbeat);
  }

  async stop(receiptId: string): Promise<void> {
    const heartbeat = this.running.get(receiptId);
    this.running.delete(receiptId);
    await heartbeat?.stop();
  }
}
