import { describe, expect, it } from "vitest";
import { type AvmonEvent, defectDetected, jobStarted } from "../../core-service/src/domain/events.ts";
import type { EventBus } from "../../core-service/src/ports/event-bus.ts";
import { anOpenDefect } from "../support/avmon-events.ts";

/** A fresh bus per test, and what reached the far side of it (subscribers, or the PutEvents requests). */
export interface EventBusUnderTest {
  readonly bus: EventBus;
  delivered(): { detailType: string; detail: unknown }[];
  /**
   * Waits until the far side has caught up with what flush() handed over. EventBridge's far side is the
   * PutEvents request itself (nothing to wait for); the memory bus's are its subscribers, which flush() does
   * not wait for (as EventBridge's rule targets are reached after PutEvents returns).
   */
  settled?(): Promise<void>;
}

function defectsOf(jobId: string, count: number): AvmonEvent[] {
  return Array.from({ length: count }, (_, i) => defectDetected(jobId, anOpenDefect({ start: i })));
}

/** What every EventBus adapter promises, run against each of them. */
export function describeEventBusContract(name: string, create: () => EventBusUnderTest): void {
  describe(`EventBus contract: ${name}`, () => {
    it("delivers every published event once, detail intact, in publish order", async () => {
      const { bus, delivered, settled } = create();
      const events = [jobStarted("job-1", { attempt: 1 }), ...defectsOf("job-1", 3)];

      await bus.publish(events);
      await bus.flush();
      await settled?.();

      expect(delivered()).toEqual(events.map((e) => ({ detailType: e["detail-type"], detail: e.detail })));
    });

    it("delivers the events of several publish calls", async () => {
      const { bus, delivered, settled } = create();

      await bus.publish(defectsOf("job-1", 12));
      await bus.publish(defectsOf("job-2", 13));
      await bus.flush();
      await settled?.();

      expect(delivered()).toHaveLength(25);
    });

    it("rejects a call holding an invalid event, naming the field, and delivers none of it", async () => {
      const { bus, delivered, settled } = create();
      const broken = {
        ...jobStarted("job-1", { attempt: 1 }),
        source: "someone-else",
      } as unknown as AvmonEvent;

      await expect(bus.publish([jobStarted("job-1", { attempt: 1 }), broken])).rejects.toThrow(/source/);
      await bus.flush();
      await settled?.();

      expect(delivered()).toEqual([]);
    });

    it("flushes at once when nothing was published", async () => {
      const { bus, delivered, settled } = create();

      await bus.flush();
      await settled?.();

      expect(delivered()).toEqual([]);
    });
  });
}
