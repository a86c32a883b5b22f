import { describe, expect, it } from "vitest";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import { InvalidEventPatternError } from "../../core-service/src/domain/event-pattern/index.ts";
import {
  type AvmonEvent,
  defectDetected,
  jobCompleted,
  jobStarted,
} from "../../core-service/src/domain/events.ts";
import { createLogger } from "../../core-service/src/logging/logger.ts";
import { describeEventBusContract } from "../contract/event-bus.contract.ts";
import { anOpenDefect, aReport } from "../support/avmon-events.ts";

function createBus(maxQueuedPerSubscriber?: number) {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ write: (line) => logs.push(JSON.parse(line)) });
  return {
    bus: new MemoryEventBus({ logger, ...(maxQueuedPerSubscriber ? { maxQueuedPerSubscriber } : {}) }),
    logs,
  };
}

function collect(bus: MemoryEventBus, pattern: unknown): AvmonEvent[] {
  const received: AvmonEvent[] = [];
  bus.subscribe(pattern, (event) => {
    received.push(event);
  });
  return received;
}

const ALL = { source: ["avmon"] };
const never = () => new Promise<void>(() => {});

describeEventBusContract("in memory", () => {
  const { bus } = createBus();
  const received = collect(bus, ALL);
  return {
    bus,
    delivered: () => received.map((e) => ({ detailType: e["detail-type"], detail: e.detail })),
    settled: () => bus.idle(),
  };
});

describe("MemoryEventBus", () => {
  it("delivers an event only to subscribers whose pattern matches it", async () => {
    const { bus } = createBus();
    const freezes = collect(bus, {
      "detail-type": ["Defect Detected"],
      detail: { defect: { type: ["freeze"] } },
    });
    const completions = collect(bus, { "detail-type": ["Job Completed"] });

    await bus.publish([
      defectDetected("job-1", anOpenDefect({ type: "freeze" })),
      defectDetected("job-1", anOpenDefect({ type: "black" })),
      jobCompleted("job-1", aReport()),
    ]);
    await bus.idle();

    expect(freezes.map((e) => e.detail.jobId)).toEqual(["job-1"]);
    expect(freezes[0]?.detail).toMatchObject({ defect: { type: "freeze" } });
    expect(completions.map((e) => e["detail-type"])).toEqual(["Job Completed"]);
  });

  it("flushes without waiting for a subscriber that never finishes", async () => {
    const { bus } = createBus();
    bus.subscribe(ALL, never);

    await bus.publish([jobStarted("job-1", { attempt: 1 })]);

    await expect(bus.flush()).resolves.toBeUndefined();
  });

  it("never runs a subscriber inside publish", () => {
    const { bus } = createBus();
    const received = collect(bus, ALL);

    void bus.publish([jobStarted("job-1", { attempt: 1 })]);

    expect(received).toEqual([]);
  });

  it("does not let a subscriber that never finishes block the publisher or the other subscribers", async () => {
    const { bus } = createBus();
    bus.subscribe(ALL, never);
    const received = collect(bus, ALL);

    await bus.publish([jobStarted("job-1", { attempt: 1 })]);
    await bus.publish([jobStarted("job-2", { attempt: 1 })]);
    await new Promise((resolve) => setTimeout(resolve, 10));

    expect(received.map((e) => e.detail.jobId)).toEqual(["job-1", "job-2"]);
  });

  it("keeps delivering to others, and to the failing subscriber itself, when a handler throws", async () => {
    const { bus, logs } = createBus();
    let calls = 0;
    bus.subscribe(ALL, () => {
      calls++;
      throw new Error("subscriber bug");
    });
    bus.subscribe(ALL, async () => Promise.reject(new Error("webhook down")));
    const received = collect(bus, ALL);

    await bus.publish([jobStarted("job-1", { attempt: 1 }), jobStarted("job-2", { attempt: 1 })]);
    await bus.idle();

    expect(received).toHaveLength(2);
    expect(calls).toBe(2);
    expect(bus.failedDeliveries).toBe(4);
    expect(logs.filter((log) => log.level === "ERROR")).toHaveLength(4);
  });

  it("hands each subscriber its events in publish order even when it is slow", async () => {
    const { bus } = createBus();
    const seen: string[] = [];
    bus.subscribe(ALL, async (event) => {
      await new Promise((resolve) => setTimeout(resolve, event.detail.jobId === "job-1" ? 15 : 0));
      seen.push(event.detail.jobId);
    });

    await bus.publish([jobStarted("job-1", { attempt: 1 })]);
    await bus.publish([jobStarted("job-2", { attempt: 1 }), jobStarted("job-3", { attempt: 1 })]);
    await bus.idle();

    expect(seen).toEqual(["job-1", "job-2", "job-3"]);
  });

  it("waits in idle until slow subscribers have handled everything", async () => {
    const { bus } = createBus();
    let handled = 0;
    bus.subscribe(ALL, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      handled++;
    });

    await bus.publish([jobStarted("job-1", { attempt: 1 }), jobStarted("job-2", { attempt: 1 })]);
    await bus.idle();

    expect(handled).toBe(2);
  });

  it("stops delivering once a subscriber unsubscribes", async () => {
    const { bus } = createBus();
    const received: AvmonEvent[] = [];
    const unsubscribe = bus.subscribe(ALL, (event) => {
      received.push(event);
    });

    await bus.publish([jobStarted("job-1", { attempt: 1 })]);
    await bus.idle();
    unsubscribe();
    await bus.publish([jobStarted("job-2", { attempt: 1 })]);
    await bus.idle();

    expect(received.map((e) => e.detail.jobId)).toEqual(["job-1"]);
  });

  it("refuses an invalid pattern when subscribing", () => {
    const { bus } = createBus();

    expect(() => bus.subscribe({ source: "avmon" }, () => {})).toThrow(InvalidEventPatternError);
  });

  it("drops the oldest waiting events of a subscriber that falls too far behind", async () => {
    const { bus, logs } = createBus(2);
    const seen: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    bus.subscribe(ALL, async (event) => {
      await gate;
      seen.push(event.detail.jobId);
    });
    const jobs = ["job-1", "job-2", "job-3", "job-4", "job-5"];

    await bus.publish([jobStarted("job-1", { attempt: 1 })]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await bus.publish(jobs.slice(1).map((jobId) => jobStarted(jobId, { attempt: 1 })));
    release();
    await bus.idle();

    expect(seen).toEqual(["job-1", "job-4", "job-5"]);
    expect(bus.droppedDeliveries).toBe(2);
    expect(logs.filter((log) => log.level === "WARN")).toHaveLength(2);
  });
});
