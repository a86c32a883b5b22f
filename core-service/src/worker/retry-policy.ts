import { AvmonError } from "../domain/errors.ts";

/** SQS's largest message delay (ChangeMessageVisibility and DelaySeconds accept up to 15 minutes here). */
const MAX_DELAY_SECONDS = 900;

export interface FailureDescription {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/** What a failure means for the job: avmon's own errors say whether a retry can help; anything else may be transient. */
export function describeFailure(error: unknown): FailureDescription {
  if (error instanceof AvmonError) {
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "INTERNAL_ERROR", message, retryable: true };
}

/**
 * Delay before the next attempt: doubling from `baseSeconds`, with full jitter so jobs that failed together
 * (a source down for everyone) do not come back together.
 */
export function retryDelaySeconds(receiveCount: number, baseSeconds: number, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
