import { randomUUID } from "node:crypto";
import { z } from "zod";
import { AvmonError } from "../domain/errors.ts";
import { InvalidEventPatternError } from "../domain/event-pattern/index.ts";
import type { AvmonEvent } from "../domain/events.ts";
import type { Logger } from "../logging/logger.ts";
import type { SubscribableEventBus } from "../ports/event-bus.ts";
import { HttpError, validationError } from "./http-errors.ts";
import { checkWebhookUrl, postWebhook, type WebhookTargetOptions } from "./webhook-delivery.ts";

export const SubscriptionRequest = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }),
    pattern: z.record(z.string(), z.unknown()),
  })
  .strict();

export interface Subscription {
  readonly subscriptionId: string;
  readonly url: string;
  readonly pattern: Record<string, unknown>;
  readonly createdAt: string;
}

/** The guard, when on, applies to receivers as to sources: checked when subscribed and before every attempt. */
export interface WebhookOptions extends WebhookTargetOptions {
  readonly bus: SubscribableEventBus;
  readonly logger: Logger;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly timeoutMs?: number;
}

interface Active {
  readonly subscription: Subscription;
  readonly unsubscribe: () => void;
  readonly cancelled: AbortController;
}

/**
 * Webhook subscriptions: each event matching a subscription's pattern is POSTed to its URL, in order, retried
 * with exponential backoff on network errors, 408, 429 and 5xx; redirects are not followed
 * (webhook-delivery.ts). A slow endpoint delays only its own deliveries.
 */
export class Webhooks {
  readonly #active = new Map<string, Active>();
  readonly #options: WebhookOptions;
  readonly counts = { delivered: 0, retried: 0, failed: 0 };

  constructor(options: WebhookOptions) {
    this.#options = options;
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
    const cancelled = new AbortController();
    let unsubscribe: () => void;
    try {
      unsubscribe = this.#options.bus.subscribe(subscription.pattern, (event) =>
        this.#deliver(subscription, event, cancelled.signal),
      );
    } catch (error) {
      if (error instanceof InvalidEventPatternError)
        throw new HttpError(400, `pattern: ${error.message}`, "pattern");
      throw error;
    }
    this.#active.set(subscription.subscriptionId, { subscription, unsubscribe, cancelled });
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

  remove(subscriptionId: string): boolean {
    const active = this.#active.get(subscriptionId);
    if (!active) return false;
    active.unsubscribe();
    active.cancelled.abort();
    this.#active.delete(subscriptionId);
    return true;
  }

  close(): void {
    for (const id of [...this.#active.keys()]) this.remove(id);
  }

  async #deliver(subscription: Subscription, event: AvmonEvent, cancelled: AbortSignal): Promise<void> {
    const maxAttempts = this.#options.maxAttempts ?? 5;
    const log = this.#options.logger.child({
      subscriptionId: subscription.subscriptionId,
      eventId: event.id,
    });
    for (let attempt = 1; !cancelled.aborted; attempt++) {
      const { guard, connect, ca, timeoutMs = 5000 } = this.#options;
      const outcome = await postWebhook(subscription.url, event, {
        guard,
        connect,
        ca,
        timeoutMs,
        signal: cancelled,
      });
      if (outcome.ok) {
        this.counts.delivered++;
        return;
      }
      if (!outcome.retryable || attempt >= maxAttempts) {
        this.counts.failed++;
        log.warn("webhook delivery given up", { url: subscription.url, attempt, reason: outcome.reason });
        return;
      }
      this.counts.retried++;
      await sleep((this.#options.baseDelayMs ?? 1000) * 2 ** (attempt - 1), cancelled);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
