import { createHash } from "node:crypto";
import { HttpError } from "./http-errors.ts";

interface Entry {
  readonly fingerprint: string;
  readonly result: Promise<string>;
  readonly expiresAt: number;
}

export interface IdempotencyOptions {
  readonly ttlMs?: number;
  readonly maxKeys?: number;
}

/**
 * `Idempotency-Key` for job submission: the same key with the same body gives the same job, even when the two
 * requests race; the same key with a different body is refused. Keys expire after a day, like most APIs do.
 */
export class IdempotencyKeys {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxKeys: number;

  constructor(options: IdempotencyOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Runs `create` once per key and body, returning the job id it made; later calls get the same id. */
  async once(key: string | undefined, body: unknown, create: () => Promise<string>): Promise<string> {
    if (key === undefined) return create();
    if (key.length === 0 || key.length > 255) {
      throw new HttpError(400, "Idempotency-Key: must be 1 to 255 characters", "Idempotency-Key");
    }
    const fingerprint = fingerprintOf(body);
    const existing = this.#live(key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new HttpError(
          422,
          `Idempotency-Key "${key}" was already used with a different request body; use a new key for a new job`,
          "Idempotency-Key",
        );
      }
      return existing.result;
    }
    const result = create();
    this.#entries.set(key, { fingerprint, result, expiresAt: Date.now() + this.#ttlMs });
    // A failed submission must not pin the key: the client should be able to try again with it.
    result.catch(() => this.#entries.delete(key));
    this.#evictOldest();
    return result;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #evictOldest(): void {
    while (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) return;
      this.#entries.delete(oldest.value);
    }
  }
}

/** Key order does not change a JSON body's meaning, so it must not change its fingerprint. */
function fingerprintOf(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
