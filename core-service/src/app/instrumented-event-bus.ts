import type { AvmonEvent } from "../domain/events.ts";
import type { EventHandler, SubscribableEventBus } from "../ports/event-bus.ts";

/** Counts what is published through a bus (and what failed to be), for /metrics. */
export class InstrumentedEventBus implements SubscribableEventBus {
  readonly #inner: SubscribableEventBus;
  #published = 0;
  #failed = 0;

  constructor(inner: SubscribableEventBus) {
    this.#inner = inner;
  }

  get published(): number {
    return this.#published;
  }

  get failed(): number {
    return this.#failed;
  }

  async publish(events: readonly AvmonEvent[]): Promise<void> {
    try {
      await this.#inner.publish(events);
      this.#published += events.length;
    } catch (error) {
      this.#failed += events.length;
      throw error;
    }
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  subscribe(pattern: unknown, handler: EventHandler): () => void {
    return this.#inner.subscribe(pattern, handler);
  }
}
