import {
  compileEventPattern,
  type EventPattern,
  matchesEventPattern,
} from "../../domain/event-pattern/index.ts";
import { type AvmonEvent, parseAvmonEvent } from "../../domain/events.ts";
import { createLogger, type Logger } from "../../logging/logger.ts";
import type { EventHandler, SubscribableEventBus } from "../../ports/event-bus.ts";

export interface MemoryEventBusOptions {
  readonly logger?: Logger;
  /** Deliveries a subscriber may have waiting; past it the oldest is dropped so a stuck one cannot eat memory. */
  readonly maxQueuedPerSubscriber?: number;
}

interface Subscriber {
  readonly pattern: EventPattern;
  readonly handler: EventHandler;
  readonly queue: AvmonEvent[];
  draining?: Promise<void>;
}

/**
 * The local bus: the same envelopes as EventBridge, routed to in-process subscribers by EventBridge patterns.
 * Each subscriber has its own bounded queue, drained one event at a time in publish order, so a slow or
 * failing subscriber delays only itself. Neither publish() nor flush() waits for handlers: once an event is in
 * its subscribers' queues the bus has it, as EventBridge has an event once PutEvents accepts it (a job is acked
 * then, whatever its subscribers are doing). `idle()` waits for the handlers, for shutdown and tests.
 */
export class MemoryEventBus implements SubscribableEventBus {
  readonly #subscribers = new Set<Subscriber>();
  readonly #logger: Logger;
  readonly #maxQueued: number;
  #failedDeliveries = 0;
  #droppedDeliveries = 0;

  constructor(options: MemoryEventBusOptions = {}) {
    this.#logger = (options.logger ?? createLogger()).child({ component: "memory-event-bus" });
    this.#maxQueued = options.maxQueuedPerSubscriber ?? 10_000;
  }

  /** Handler calls that threw or rejected. */
  get failedDeliveries(): number {
    return this.#failedDeliveries;
  }

  /** Deliveries dropped because a subscriber fell too far behind. */
  get droppedDeliveries(): number {
    return this.#droppedDeliveries;
  }

  subscribe(pattern: unknown, handler: EventHandler): () => void {
    const subscriber: Subscriber = { pattern: compileEventPattern(pattern), handler, queue: [] };
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
      subscriber.queue.length = 0;
    };
  }

  async publish(events: readonly AvmonEvent[]): Promise<void> {
    // Validate the whole batch first, so a bad event does not leave the batch half delivered.
    const valid = events.map((event) => parseAvmonEvent(event));
    for (const event of valid) {
      for (const subscriber of this.#subscribers) {
        if (matchesEventPattern(subscriber.pattern, event)) this.#enqueue(subscriber, event);
      }
    }
  }

  /** Nothing to wait for: publish() has already put every event in its subscribers' queues. */
  async flush(): Promise<void> {}

  /** Waits until every subscriber has handled (or failed on) everything it was handed. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.#subscribers].flatMap((s) => (s.draining ? [s.draining] : []));
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  #enqueue(subscriber: Subscriber, event: AvmonEvent): void {
    if (subscriber.queue.length >= this.#maxQueued) {
      const dropped = subscriber.queue.shift();
      this.#droppedDeliveries++;
      this.#logger.warn("subscriber too far behind, dropped its oldest event", {
        eventId: dropped?.id,
        detailType: dropped?.["detail-type"],
        jobId: dropped?.detail.jobId,
      });
    }
    subscriber.queue.push(event);
    subscriber.draining ??= this.#drain(subscriber);
  }

  async #drain(subscriber: Subscriber): Promise<void> {
    // Yield first: handlers must never run inside publish().
    await Promise.resolve();
    for (let event = subscriber.queue.shift(); event; event = subscriber.queue.shift()) {
      await this.#deliver(subscriber, event);
    }
    subscriber.draining = undefined;
  }

  async #deliver(subscriber: Subscriber, event: AvmonEvent): Promise<void> {
    try {
      await subscriber.handler(event);
    } catch (error) {
      this.#failedDeliveries++;
      this.#logger.error("subscriber failed to handle event", {
        eventId: event.id,
        detailType: event["detail-type"],
        jobId: event.detail.jobId,
        error,
      });
    }
  }
}
