import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { type AvmonEvent, parseAvmonEvent } from "../../domain/events.ts";
import { createLogger, type Logger } from "../../logging/logger.ts";
import type { EventBus } from "../../ports/event-bus.ts";

/** PutEvents quotas: entries per request, and total entry size per request (also the largest single entry). */
export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

/** Per-entry codes the PutEventsResultEntry reference lists as retryable (InternalException seen in practice). */
const RETRYABLE_ENTRY_CODES = new Set(["ThrottlingException", "InternalFailure", "InternalException"]);
const RETRYABLE_REQUEST_ERRORS = new Set([
  ...RETRYABLE_ENTRY_CODES,
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TooManyRequestsException",
  "RequestTimeout",
  "RequestTimeoutException",
]);

export interface EventBridgeEventBusOptions {
  readonly client: EventBridgeClient;
  readonly busName: string;
  readonly logger?: Logger;
  /** Events held (including the batch in flight) before publish() waits for space. */
  readonly maxBuffered?: number;
  /** Tries per entry, the first included, before it is counted as failed. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** Thrown by publish() for events larger than PutEvents accepts; the other events of the call are still sent. */
export class EventTooLargeError extends Error {
  constructor(readonly events: readonly { id: string; detailType: string; bytes: number }[]) {
    const list = events.map((e) => `${e.detailType} ${e.id} (${e.bytes} bytes)`).join(", ");
    super(`event larger than the ${MAX_REQUEST_BYTES}-byte PutEvents limit, not sent: ${list}`);
    this.name = "EventTooLargeError";
  }
}

interface Pending {
  readonly event: AvmonEvent;
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
}

/**
 * Publishes to an EventBridge bus in PutEvents batches, in the background. Entries that fail with a
 * retryable code are sent again (exponential backoff, full jitter, bounded tries); others are counted in
 * `failedEvents` and logged with the event. The buffer is bounded: when EventBridge is slow, publish() waits.
 */
export class EventBridgeEventBus implements EventBus {
  readonly #client: EventBridgeClient;
  readonly #busName: string;
  readonly #logger: Logger;
  readonly #maxBuffered: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #buffer: Pending[] = [];
  #spaceWaiters: (() => void)[] = [];
  #pump: Promise<void> | undefined;
  #sentEvents = 0;
  #failedEvents = 0;

  constructor(options: EventBridgeEventBusOptions) {
    this.#client = options.client;
    this.#busName = options.busName;
    this.#logger = (options.logger ?? createLogger()).child({ component: "eventbridge-event-bus" });
    this.#maxBuffered = Math.max(1, options.maxBuffered ?? 1000);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 5000;
  }

  /** Events given up on: too large, rejected with a non-retryable code, or out of tries. */
  get failedEvents(): number {
    return this.#failedEvents;
  }

  get sentEvents(): number {
    return this.#sentEvents;
  }

  get bufferedEvents(): number {
    return this.#buffer.length;
  }

  async publish(events: readonly AvmonEvent[]): Promise<void> {
    const pending = events.map((event) => this.#toPending(parseAvmonEvent(event)));
    const tooLarge = pending.filter((p) => p.bytes > MAX_REQUEST_BYTES);
    for (const p of tooLarge) this.#giveUp([p], "EntryTooLarge", `entry is ${p.bytes} bytes`, false);
    for (const p of pending) {
      if (p.bytes > MAX_REQUEST_BYTES) continue;
      while (this.#buffer.length >= this.#maxBuffered) await this.#spaceFreed();
      this.#buffer.push(p);
      this.#pump ??= this.#drain();
    }
    if (tooLarge.length > 0) {
      throw new EventTooLargeError(
        tooLarge.map((p) => ({ id: p.event.id, detailType: p.event["detail-type"], bytes: p.bytes })),
      );
    }
  }

  async flush(): Promise<void> {
    while (this.#pump) await this.#pump;
  }

  #toPending(event: AvmonEvent): Pending {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.#busName,
      Source: event.source,
      DetailType: event["detail-type"],
      Detail: JSON.stringify(event.detail),
      Resources: [...event.resources],
      Time: new Date(event.time),
    };
    return { event, entry, bytes: putEventsEntrySize(entry) };
  }

  #spaceFreed(): Promise<void> {
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  async #drain(): Promise<void> {
    // Yield once so that the events of one publish() call, pushed synchronously, share requests.
    await Promise.resolve();
    while (this.#buffer.length > 0) {
      const batch = takeBatch(this.#buffer);
      try {
        await this.#sendWithRetries(batch);
      } catch (error) {
        // A bug here must not wedge the pump: publishers would wait for space forever.
        this.#giveUp(batch, errorName(error), errorMessage(error), true);
      }
      this.#buffer.splice(0, batch.length);
      const waiters = this.#spaceWaiters;
      this.#spaceWaiters = [];
      for (const wake of waiters) wake();
    }
    this.#pump = undefined;
  }

  async #sendWithRetries(batch: readonly Pending[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry = await this.#attempt(pending, attempt);
      if (retry.length === 0) return;
      if (attempt >= this.#maxAttempts) {
        const reason = `gave up after ${attempt} attempts`;
        for (const p of retry) this.#giveUp([p], "RetriesExhausted", reason, true);
        return;
      }
      await sleep(fullJitter(attempt, this.#baseDelayMs, this.#maxDelayMs));
      pending = retry;
    }
  }

  /** Sends one request; returns the entries worth trying again. */
  async #attempt(pending: readonly Pending[], attempt: number): Promise<readonly Pending[]> {
    let output: PutEventsCommandOutput;
    try {
      output = await this.#client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
    } catch (error) {
      if (isRetryableRequestError(error)) {
        this.#logger.warn("PutEvents request failed, will retry", {
          attempt,
          entries: pending.length,
          error,
        });
        return pending;
      }
      this.#giveUp(pending, errorName(error), errorMessage(error), true);
      return [];
    }
    return this.#sortResults(pending, output);
  }

  #sortResults(pending: readonly Pending[], output: PutEventsCommandOutput): Pending[] {
    const retry: Pending[] = [];
    const allAccepted = output.Entries === undefined && (output.FailedEntryCount ?? 0) === 0;
    pending.forEach((p, i) => {
      const result = output.Entries?.[i];
      if (allAccepted || (result !== undefined && !result.ErrorCode)) {
        this.#sentEvents++;
      } else if (result?.ErrorCode === undefined || RETRYABLE_ENTRY_CODES.has(result.ErrorCode)) {
        retry.push(p);
      } else {
        this.#giveUp([p], result.ErrorCode, result.ErrorMessage ?? "", true);
      }
    });
    return retry;
  }

  #giveUp(failed: readonly Pending[], errorCode: string, errorMessage: string, withEvent: boolean): void {
    for (const { event, bytes } of failed) {
      this.#failedEvents++;
      this.#logger.error("event not delivered to EventBridge", {
        jobId: event.detail.jobId,
        eventId: event.id,
        detailType: event["detail-type"],
        bytes,
        errorCode,
        errorMessage,
        // An oversized event would make an oversized log line; its id and type are enough to find it.
        ...(withEvent ? { event } : {}),
      });
    }
  }
}

/** Entry size as EventBridge computes it: Time counts 14 bytes; Source, DetailType, Detail, Resources as UTF-8. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  const utf8 = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, "utf8"));
  let size = entry.Time ? 14 : 0;
  size += utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8(resource);
  return size;
}

/** The longest run from the front of the buffer that fits one request; never empty for a non-empty buffer. */
function takeBatch(buffer: readonly Pending[]): Pending[] {
  const batch: Pending[] = [];
  let bytes = 0;
  for (const p of buffer) {
    if (batch.length === MAX_ENTRIES_PER_REQUEST || bytes + p.bytes > MAX_REQUEST_BYTES) break;
    batch.push(p);
    bytes += p.bytes;
  }
  return batch;
}

function fullJitter(attempt: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isRetryableRequestError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.name !== undefined && RETRYABLE_REQUEST_ERRORS.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "UnknownError";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
