import type { Logger } from "../logging/logger.ts";
import { type Heartbeat, LeaseExpiredError } from "./job-queue.ts";

export interface LeaseHeartbeatOptions {
  readonly visibilityTimeoutSeconds: number;
  /** When the delivery was received (ms since epoch), taken before the receive call to stay on the safe side. */
  readonly receivedAt: number;
  readonly maxTotalVisibilitySeconds: number;
  /** Hides the job for `seconds` from now. Throws {@link LeaseExpiredError} if the delivery is no longer held. */
  readonly extend: (seconds: number) => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * The heartbeat both queue adapters share: every third of the visibility timeout it pushes the deadline one
 * full timeout ahead, so two extensions can fail before another worker sees the job. Ticks are chained, not
 * on an interval, so a slow extension never overlaps the next one.
 */
export function startLeaseHeartbeat(options: LeaseHeartbeatOptions): Heartbeat {
  const now = options.now ?? Date.now;
  const lost = new AbortController();
  const intervalMs = (options.visibilityTimeoutSeconds * 1000) / 3;
  const leaseEndsAt = options.receivedAt + options.maxTotalVisibilitySeconds * 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const loseLease = (reason: string) => {
    stopped = true;
    options.logger.warn("job lease lost", { reason });
    lost.abort(new LeaseExpiredError(reason));
  };

  const extendOnce = async () => {
    const remainingSeconds = Math.floor((leaseEndsAt - now()) / 1000);
    const isLastExtension = remainingSeconds <= options.visibilityTimeoutSeconds;
    const seconds = Math.min(options.visibilityTimeoutSeconds, remainingSeconds);
    try {
      if (seconds > 0) await options.extend(seconds);
      if (isLastExtension) loseLease(`total visibility would pass ${options.maxTotalVisibilitySeconds} s`);
    } catch (error) {
      if (error instanceof LeaseExpiredError) loseLease(error.message);
      // Anything else may be transient: the next tick tries again while the current deadline still holds.
      else options.logger.warn("visibility extension failed", { error });
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = extendOnce().finally(schedule);
    }, intervalMs);
    timer.unref();
  };

  schedule();
  return {
    leaseLost: lost.signal,
    async stop() {
      stopped = true;
      clearTimeout(timer);
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
