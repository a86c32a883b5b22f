import type { AvmonEvent } from "../domain/events.ts";

/** Where avmon publishes its events: EventBridge on AWS, an in-process bus locally. */
export interface EventBus {
  /**
   * Delivers at least once. Resolves when the events are accepted, or buffered within the adapter's bound;
   * when the buffer is full it waits for space, so a slow bus slows the publisher instead of growing memory.
   */
  publish(events: readonly AvmonEvent[]): Promise<void>;
  /** Waits until everything buffered has been delivered or given up on. */
  flush(): Promise<void>;
}

export type EventHandler = (event: AvmonEvent) => void | Promise<void>;

/** A bus that delivers to in-process subscribers chosen by an EventBridge event pattern. */
export interface SubscribableEventBus extends EventBus {
  /** Returns a function that ends the subscription. Throws when the pattern is invalid. */
  subscribe(pattern: unknown, handler: EventHandler): () => void;
}
