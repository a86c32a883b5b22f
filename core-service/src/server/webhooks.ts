import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import { backoffDelay } from "../domain/backoff.ts";
import { AvmonError } from "../domain/errors.ts";
import { InvalidEventPatternError } from "../domain/event-pattern/index.ts";
import type { AvmonEvent } from "../domain/events.ts";
import type { DeliveryTarget } from "../domain/parked-event.ts";
import type { Logger } from "../logging/logger.ts";
import type { SubscribableEventBus } from "../ports/event-bus.ts";
import type { ParkingLot } from "../ports/parking-lot.ts";
import { HttpError, validationError } from "./http-errors.ts";
import { checkWebhookUrl, postWebhook, type WebhookTargetOptions } from "./webhook-delivery.ts";
import { type OutboxEntry, WebhookOutbox } from "./webhook-outbox.ts";

export const SubscriptionRequest = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }),
    pattern: z.record(z.string(), z.unknown()),
  })
  .strict();

export const Subscription = z.object({
  subscriptionId: z.string().min(1),
  url: z.string().min(1),
  pattern: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type Subscription = z.infer<typeof Subscription>;

/** The guard, when on, applies to receivers as to sources: checked when subscribed and before every attempt. */
export interface WebhookOptions extends WebhookTargetOptions {
  readonly bus: SubscribableEventBus;
  readonly logger: Logger;
  /** Where subscriptions and their pending deliveries are kept (`<data folder>/webhooks`): a restart loses neither. */
  readonly dir: string;
  /** Where deliveries given up on are kept for `avmon replay-events`. */
  readonly parking: ParkingLot;
  /** Tries per event, the first included, before it is parked. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
  /** Deliveries one subscription may have pending; past it new events are parked straight away. */
  readonly maxPending?: number;
}

interface Active {
  readonly subscription: Subscription;
  readonly outbox: WebhookOutbox;
  readonly unsubscribe: () => void;
  readonly cancelled: AbortController;
  /** Wakes the delivery loop when it waits for work. */
  wake: () => void;
  pump?: Promise<void>;
}

const DEFAULTS = {
  maxAttempts: 10,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  timeoutMs: 5000,
  maxPending: 10_000,
};

/**
 * Webhook subscriptions: each event matching a subscription's pattern is written to that subscription's outbox
 * (a folder of the data folder) and POSTed from there, in order, by the subscription's own delivery loop:
 * retried with exponential backoff on network errors, 408, 429 and 5xx (10 tries over about 10 minutes by
 * default), then parked for replay; a redirect is never followed (webhook-delivery.ts). Taking an event from
 * the bus is a file write, so a slow or dead endpoint delays only its own deliveries, never a job.
 */
export class Webhooks {
  readonly #active = new Map<string, Active>();
  readonly #options: WebhookOptions & typeof DEFAULTS;
  readonly counts = { delivered: 0, retried: 0, failed: 0 };

  constructor(options: WebhookOptions) {
    this.#options = { ...DEFAULTS, ...stripUndefined(options) };
  }

  /** Brings back the subscriptions a previous run kept, with their pending deliveries. */
  async restore(): Promise<void> {
    for (const id of await subfolders(this.#options.dir)) {
      if (this.#active.has(id)) continue;
      const stored = Subscription.safeParse(await readJson(join(this.#options.dir, id, "subscription.json")));
      if (!stored.success) {
        this.#options.logger.warn("ignoring a webhook folder without a valid subscription", { folder: id });
        continue;
      }
      await this.#activate(stored.data);
    }
  }

  async create(body: unknown): Promise<Subscription> {
    const parsed = SubscriptionRequest.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    await this.#checkUrl(parsed.data.url);
    const subscription: Subscription = {
      subscriptionId: randomUUID(),
      url: parsed.data.url,
      pattern: parsed.data.pattern,
      createdAt: new Date().toISOString(),
    };
    const folder = join(this.#options.dir, subscription.subscriptionId);
    await mkdir(folder, { recursive: true });
    try {
      await writeFileAtomic(join(folder, "subscription.json"), JSON.stringify(subscription));
      await this.#activate(subscription);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      if (error instanceof InvalidEventPatternError)
        throw new HttpError(400, `pattern: ${error.message}`, "pattern");
      throw error;
    }
    return subscription;
  }

  async #checkUrl(url: string): Promise<void> {
    try {
      await checkWebhookUrl(url, this.#options);
    } catch (error) {
      if (error instanceof AvmonError) throw new HttpError(400, `url: ${error.message}`, "url");
      throw error;
    }
  }

  list(): Subscription[] {
    return [...this.#active.values()].map((a) => a.subscription);
  }

  /** Ends a subscription; its pending deliveries go with it. */
  async remove(subscriptionId: string): Promise<boolean> {
    const active = this.#active.get(subscriptionId);
    if (!active) return false;
    await this.#deactivate(active);
    await rm(join(this.#options.dir, subscriptionId), { recursive: true, force: true });
    return true;
  }

  /** Stops every delivery loop; what is pending stays in the outboxes for the next start. */
  async close(): Promise<void> {
    await Promise.all([...this.#active.values()].map((active) => this.#deactivate(active)));
  }

  async #activate(subscription: Subscription): Promise<void> {
    const outbox = await WebhookOutbox.open(join(this.#options.dir, subscription.subscriptionId, "outbox"));
    const cancelled = new AbortController();
    // The bus hands this subscriber its events one at a time, in order: appending keeps that order on disk.
    const unsubscribe = this.#options.bus.subscribe(subscription.pattern, (event) =>
      this.#accept(active, event),
    );
    const active: Active = { subscription, outbox, unsubscribe, cancelled, wake: () => {} };
    this.#active.set(subscription.subscriptionId, active);
    active.pump = this.#deliverAll(active);
  }

  async #deactivate(active: Active): Promise<void> {
    active.unsubscribe();
    active.cancelled.abort();
    active.wake();
    this.#active.delete(active.subscription.subscriptionId);
    await active.pump;
  }

  async #accept(active: Active, event: AvmonEvent): Promise<void> {
    if (active.cancelled.signal.aborted) return;
    if (active.outbox.size >= this.#options.maxPending) {
      const reason = `${active.outbox.size} deliveries already pending`;
      await this.#park(active, event, 0, { code: "OUTBOX_FULL", message: reason });
      return;
    }
    await active.outbox.append(event);
    active.wake();
  }

  /** The subscription's delivery loop: oldest pending first, one at a time, until the subscription ends. */
  async #deliverAll(active: Active): Promise<void> {
    const signal = active.cancelled.signal;
    while (!signal.aborted) {
      try {
        const entry = await active.outbox.head();
        if (entry) await this.#deliver(active, entry);
        else await this.#workArrives(active);
      } catch (error) {
        // The data folder failed us (disk full, permissions): keep the entry and try again later.
        this.#options.logger.error("webhook outbox failed; will retry", {
          subscriptionId: active.subscription.subscriptionId,
          error,
        });
        await sleep(this.#options.baseDelayMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #deliver(active: Active, entry: OutboxEntry): Promise<void> {
    const { url } = active.subscription;
    const signal = active.cancelled.signal;
    const { guard, connect, ca, timeoutMs } = this.#options;
    const outcome = await postWebhook(url, entry.event, { guard, connect, ca, timeoutMs, signal });
    if (signal.aborted) return;
    if (outcome.ok) {
      this.counts.delivered++;
      await active.outbox.remove(entry);
      return;
    }
    const tried = await active.outbox.recordAttempt(entry);
    if (!outcome.retryable || tried.attempts >= this.#options.maxAttempts) {
      await this.#park(active, entry.event, tried.attempts, {
        code: "WEBHOOK_REFUSED",
        message: outcome.reason,
      });
      await active.outbox.remove(entry);
      return;
    }
    this.counts.retried++;
    const { baseDelayMs, maxDelayMs } = this.#options;
    const delay = backoffDelay(
      { initialDelay: baseDelayMs, factor: 2, maxDelay: maxDelayMs },
      tried.attempts,
    );
    await sleep(delay, undefined, { signal }).catch(() => undefined);
  }

  async #park(
    active: Active,
    event: AvmonEvent,
    attempts: number,
    reason: { code: string; message: string },
  ) {
    const { subscriptionId, url } = active.subscription;
    const target: DeliveryTarget = { kind: "webhook", subscriptionId, url };
    await this.#options.parking.park({
      version: 1,
      event,
      target,
      reason,
      attempts,
      parkedAt: new Date().toISOString(),
    });
    this.counts.failed++;
    this.#options.logger.warn("webhook delivery given up; parked for replay", {
      subscriptionId,
      eventId: event.id,
      url,
      attempts,
      reason: reason.message,
    });
  }

  #workArrives(active: Active): Promise<void> {
    return new Promise((resolve) => {
      active.wake = resolve;
    });
  }
}

/** A file's JSON, or undefined when it is missing or not JSON (a folder left half-made by a crash). */
async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
