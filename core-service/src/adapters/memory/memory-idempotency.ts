import { IDEMPOTENCY_TTL_SECONDS, type Idempotency, type IdempotentRun } from "../../ports/idempotency.ts";

type Entry =
  | { readonly state: "in-progress"; readonly fingerprint: string }
  | {
      readonly state: "done";
      readonly fingerprint: string;
      readonly result: string;
      readonly expiresAt: number;
    };

export interface MemoryIdempotencyOptions {
  readonly ttlSeconds?: number;
  /** Finished keys kept; past it the oldest is forgotten, so a long-running local stack stays bounded. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/**
 * The local stack's idempotency records, with the same rules as Powertools' on DynamoDB (INPROGRESS, then
 * COMPLETED or deleted). Hand-written because Powertools ships no in-memory persistence layer and its
 * DynamoDB one needs a table; one process's Map needs no conditional writes.
 */
export class MemoryIdempotency implements Idempotency {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: MemoryIdempotencyOptions = {}) {
    this.#ttlMs = (options.ttlSeconds ?? IDEMPOTENCY_TTL_SECONDS) * 1000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async run(key: string, fingerprint: string, work: () => Promise<string>): Promise<IdempotentRun> {
    const existing = this.#live(key);
    if (existing) {
      // As Powertools does: the request is compared first, so a different request is refused even mid-flight.
      if (existing.fingerprint !== fingerprint) return { kind: "key-reused" };
      return existing.state === "done" ? { kind: "done", result: existing.result } : { kind: "in-progress" };
    }
    this.#entries.set(key, { state: "in-progress", fingerprint });
    let result: string;
    try {
      result = await work();
    } catch (error) {
      this.#entries.delete(key);
      throw error;
    }
    this.#entries.delete(key);
    this.#entries.set(key, { state: "done", fingerprint, result, expiresAt: this.#now() + this.#ttlMs });
    this.#evictOldest();
    return { kind: "done", result };
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.state === "done" && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #evictOldest(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxKeys) return;
      // A claim in flight is never dropped: that would let a duplicate run the work a second time.
      if (entry.state === "done") this.#entries.delete(key);
    }
  }
}
