/**
 * `Idempotency-Key` bookkeeping for job intake: a key is claimed (INPROGRESS) before the work runs, completed
 * with the work's result once it has succeeded, and released when it fails, so that
 * - a repeat of a finished request gets the first result (the same job id), however many times it comes;
 * - a duplicate that arrives while the first is still running is told to retry, and never gets an id whose
 *   work has not succeeded (there may never be such a job);
 * - a failed attempt leaves nothing behind, and the client's retry runs the work afresh.
 * The DynamoDB adapter is Powertools' idempotency utility; the memory one keeps the same rules in-process.
 */
export type IdempotentRun =
  /** The work ran now, or ran earlier for the same key and request: its result. */
  | { readonly kind: "done"; readonly result: string }
  /** Another request with this key is still running its work; nothing was done. */
  | { readonly kind: "in-progress" }
  /** The key was used for a different request (another fingerprint); nothing was done. */
  | { readonly kind: "key-reused" };

export interface Idempotency {
  /**
   * Runs `work` at most once per `key` and `fingerprint` (a hash of the request); rejects with the work's error
   * when it fails, after forgetting the claim.
   */
  run(key: string, fingerprint: string, work: () => Promise<string>): Promise<IdempotentRun>;
}

/** How long a key is remembered; a client retrying later than this makes a new job. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
