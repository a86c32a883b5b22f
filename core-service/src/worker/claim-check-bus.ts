import { claimKey, detailRef, needsClaimCheck, withSummaryRef } from "../domain/claim-check.ts";
import type { AvmonEvent } from "../domain/events.ts";
import type { ClaimStore } from "../ports/claim-store.ts";
import type { EventBus } from "../ports/event-bus.ts";

/**
 * Sends a Job Completed too large for the bus as a claim check: its report is stored first, then the event
 * goes out carrying the reference, so an oversized report is neither refused by EventBridge nor retried as an
 * error. Everything else passes through untouched.
 */
export class ClaimCheckEventBus implements EventBus {
  readonly #inner: EventBus;
  readonly #claims: Pick<ClaimStore, "put">;

  constructor(inner: EventBus, claims: Pick<ClaimStore, "put">) {
    this.#inner = inner;
    this.#claims = claims;
  }

  async publish(events: readonly AvmonEvent[]): Promise<void> {
    const checked: AvmonEvent[] = [];
    for (const event of events) checked.push(await this.#check(event));
    await this.#inner.publish(checked);
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  async #check(event: AvmonEvent): Promise<AvmonEvent> {
    if (!needsClaimCheck(event)) return event;
    const body = JSON.stringify(event.detail.summary);
    const uri = await this.#claims.put(claimKey(event), body);
    return withSummaryRef(event, detailRef(uri, body));
  }
}
