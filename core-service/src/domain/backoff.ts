/** Exponential backoff: how long to wait before retry number `attempt` (1-based), in the policy's unit. */
export interface BackoffPolicy {
  readonly initialDelay: number;
  readonly factor: number;
  readonly maxDelay: number;
}

export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** Math.max(0, attempt - 1));
}
