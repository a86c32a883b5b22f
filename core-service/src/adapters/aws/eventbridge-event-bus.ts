import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { type AvmonEvent, parseAvmonEvent } from "../../domain/events.ts";
import { type ParkedEvent, parkingKey } from "../../domain/parked-event.ts";
import { createLogger, type Logger } from "../../logging/logger.ts";
import { type EventBus, UndeliveredEventsError } from "../../ports/event-bus.ts";
import type { ParkingLot } from "../../ports/parking-lot.ts";

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
  /** Where events EventBridge refuses for good are kept for replay (the ingest bucket's events/undeliverable/). */
  readonly parking: ParkingLot;
  /** Told of each event given up on, before it is parked: the worker counts it (EMF) for the alarm. */
  readonly onUndeliverable?: (event: AvmonEvent, errorCode: string) => void;
  readonly logger?: Logger;
  /** Events held (including the batch in flight) before publish() waits for space. */
  readonly maxBuffered?: number;
  /** Tries per entry, the first included, before it is counted as failed. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

interface Pending {
  readonly event: AvmonEvent;
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
}

/**
 * Publishes to an EventBridge bus in PutEvents batches, in the background. Entries that fail with a
 * retryable code are sent again (exponential backoff, full jitter, bounded tries). An event given up on (too
 * large, refused with a non-retryable code, out of tries) is counted (`failedEvents`, `onUndeliverable`) and
 * parked for replay; flush() rejects with UndeliveredEventsError if one could not be parked either, so the
 * job that published it is not acked. The buffer is bounded: when EventBridge is slow, publish() waits.
 */
export class EventBridgeEventBus implements EventBus {
  readonly #client: EventBridgeClient;
  readonly #busName: string;
  readonly #parking: ParkingLot;
  readonly #onUndeliverable: ((event: AvmonEvent, errorCode: string) => void) | undefined;
  readonly #logger: Logger;
  readonly #maxBuffered: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #buffer: Pending[] = [];
  #spaceWaiters: (() => void)[] = [];
  #pump: Promise<void> | undefined;
  readonly #parkings = new Set<Promise<void>>();
  #unparked: AvmonEvent[] = [];
  #sentEvents = 0;
  #failedEvents = 0;

  constructor(options: EventBridgeEventBusOptions) {
    this.#client = options.client;
    this.#busName = options.busName;
    this.#parking = options.parking;
    this.#onUndeliverable = options.onUndeliverable;
    this.#logger = (options.logger ?? createLogger()).child({ component: "eventbridge-event-bus" });
    this.#maxBuffered = Math.max(1, options.maxBuffered ?? 1000);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 5000;
  }

  /** Events given up on (and parked): too large, rejected with a non-retryable code, or out of tries. */
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
    for (const p of pending) {
      if (p.bytes > MAX_REQUEST_BYTES) {
        // A Job Completed this large goes out as a claim check (worker/claim-check-bus.ts); anything else is a bug
        // to look at, kept whole in the parking lot, where S3 has no such limit.
        this.#giveUp([p], "EntryTooLarge", `entry is ${p.bytes} bytes, over ${MAX_REQUEST_BYTES}`, 0);
        continue;
      }
      while (this.#buffer.length >= this.#maxBuffered) await this.#spaceFreed();
      this.#buffer.push(p);
      this.#pump ??= this.#drain();
    }
  }

  /** Waits for the buffer to be sent and the events given up on to be parked; rejects if one was not. */
  async flush(): Promise<void> {
    while (this.#pump) await this.#pump;
    while (this.#parkings.size > 0) await Promise.all(this.#parkings);
    if (this.#unparked.length > 0) {
      const lost = this.#unparked;
      this.#unparked = [];
      throw new UndeliveredEventsError(lost.map((event) => `${event["detail-type"]} ${event.id}`));
    }
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
        this.#giveUp(batch, errorName(error), errorMessage(error), 0);
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
        this.#giveUp(retry, "RetriesExhausted", reason, attempt);
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
      this.#giveUp(pending, errorName(error), errorMessage(error), attempt);
      return [];
    }
    return this.#sortResults(pending, output, attempt);
  }

  #sortResults(pending: readonly Pending[], output: PutEventsCommandOutput, attempt: number): Pending[] {
    const retry: Pending[] = [];
    const allAccepted = output.Entries === undefined && (output.FailedEntryCount ?? 0) === 0;
    pending.forEach((p, i) => {
      const result = output.Entries?.[i];
      if (allAccepted || (result !== undefined && !result.ErrorCode)) {
        this.#sentEvents++;
      } else if (result?.ErrorCode === undefined || RETRYABLE_ENTRY_CODES.has(result.ErrorCode)) {
        retry.push(p);
      } else {
        this.#giveUp([p], result.ErrorCode, result.ErrorMessage ?? "", attempt);
      }
    });
    return retry;
  }

  #giveUp(failed: readonly Pending[], errorCode: string, errorMessage: string, attempts: number): void {
    for (const { event } of failed) {
      this.#failedEvents++;
      this.#onUndeliverable?.(event, errorCode);
      const parked: ParkedEvent = {
        version: 1,
        event,
        target: { kind: "eventbridge", busName: this.#busName },
        reason: { code: errorCode, message: errorMessage },
        attempts,
        parkedAt: new Date().toISOString(),
      };
      const parking = this.#park(parked).finally(() => this.#parkings.delete(parking));
      this.#parkings.add(parking);
    }
  }

  async #park(parked: ParkedEvent): Promise<void> {
    const { event, reason } = parked;
    const context = {
      jobId: event.detail.jobId,
      eventId: event.id,
      detailType: event["detail-type"],
      errorCode: reason.code,
      errorMessage: reason.message,
    };
    try {
      await this.#parking.park(parked);
      this.#logger.error("event not delivered to EventBridge; parked for replay", {
        ...context,
        parkedAs: parkingKey(parked),
      });
    } catch (error) {
      this.#unparked.push(event);
      this.#logger.error("event neither delivered to EventBridge nor parked", { ...context, error, event });
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
