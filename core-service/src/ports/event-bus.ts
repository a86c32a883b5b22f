import { AvmonError } from "../domain/errors.ts";
import type { AvmonEvent } from "../domain/events.ts";

/** Where avmon publishes its events: EventBridge on AWS, an in-process bus locally. */
export interface EventBus {
  /**
   * Delivers at least once. Resolves when the events are accepted, or buffered within the adapter's bound;
   * when the buffer is full it waits for space, so a slow bus slows the publisher instead of growing memory.
   */
  publish(events: readonly AvmonEvent[]): Promise<void>;
  /**
   * Waits until the bus has taken responsibility for everything published: accepted by EventBridge, or
   * handed to every matching subscriber's buffer locally. Never waits for a subscriber to handle an event.
   * An event the bus gives up on is parked for replay; flush rejects with UndeliveredEventsError only when
   * one could be neither delivered nor parked.
   */
  flush(): Promise<void>;
}

/** Events that were neither delivered nor kept: whoever published them must not settle as if they were. */
export class UndeliveredEventsError extends AvmonError {
  readonly code = "EVENTS_UNDELIVERED";
  readonly retryable = true;
  constructor(readonly events: readonly string[]) {
    super(`events neither delivered nor parked: ${events.join(", ")}`);
  }
}

export type EventHandler = (event: AvmonEvent) => void | Promise<void>;

/** A bus that delivers to in-process subscribers chosen by an EventBridge event pattern. */
export interface SubscribableEventBus extends EventBus {
  /** Returns a function that ends the subscription. Throws when the pattern is invalid. */
  subscribe(pattern: unknown, handler: EventHandler): () => void;
}
