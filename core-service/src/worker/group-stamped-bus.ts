import type { AvmonEvent } from "../domain/events.ts";
import type { EventBus } from "../ports/event-bus.ts";

/**
 * Puts the worker's detector group on the job lifecycle events it publishes, so the projection can tell one
 * group's Job Completed from another's and complete a fanned-out job only when every group has finished.
 */
export class GroupStampedEventBus implements EventBus {
  readonly #inner: EventBus;
  readonly #group: string;

  constructor(inner: EventBus, group: string) {
    this.#inner = inner;
    this.#group = group;
  }

  publish(events: readonly AvmonEvent[]): Promise<void> {
    return this.#inner.publish(events.map((event) => this.#stamp(event)));
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  #stamp(event: AvmonEvent): AvmonEvent {
    switch (event["detail-type"]) {
      case "Job Started":
        return { ...event, detail: { ...event.detail, group: this.#group } };
      case "Job Completed":
        return { ...event, detail: { ...event.detail, group: this.#group } };
      case "Job Failed":
        return { ...event, detail: { ...event.detail, group: this.#group } };
      case "Job Progress":
        return { ...event, detail: { ...event.detail, group: this.#group } };
      default:
        return event;
    }
  }
}
