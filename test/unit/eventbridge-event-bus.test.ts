import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  EventBridgeEventBus,
  MAX_REQUEST_BYTES,
  putEventsEntrySize,
} from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { DirectoryParkingLot } from "../../core-service/src/adapters/local/directory-parking-lot.ts";
import {
  type AvmonEvent,
  type DefectDetectedEvent,
  defectDetected,
  jobAccepted,
} from "../../core-service/src/domain/events.ts";
import { createLogger } from "../../core-service/src/logging/logger.ts";
import { UndeliveredEventsError } from "../../core-service/src/ports/event-bus.ts";
import { describeEventBusContract } from "../contract/event-bus.contract.ts";
import { anOpenDefect } from "../support/avmon-events.ts";
import { scratchDir } from "../support/scratch-dirs.ts";

const eventBridge = mockClient(EventBridgeClient);

function acceptAll(entries: PutEventsRequestEntry[] = []): PutEventsResultEntry[] {
  return entries.map((_, i) => ({ EventId: `eb-${i}` }));
}

function sentEntries(): PutEventsRequestEntry[][] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}

const scratch: (() => void)[] = [];
afterEach(() => {
  for (const remove of scratch.splice(0)) remove();
});

function createBus(options: { maxBuffered?: number; maxAttempts?: number; parkingRoot?: string } = {}) {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ write: (line) => logs.push(JSON.parse(line)) });
  const client = new EventBridgeClient({ region: "eu-west-1" });
  const { dir, remove } = scratchDir("avmon-eb-parking-");
  scratch.push(remove);
  const parking = new DirectoryParkingLot(options.parkingRoot ?? dir);
  const undeliverable: string[] = [];
  const bus = new EventBridgeEventBus({
    client,
    busName: "avmon",
    parking,
    onUndeliverable: (event, errorCode) => undeliverable.push(`${errorCode} ${event.id}`),
    logger,
    baseDelayMs: 1,
    maxDelayMs: 4,
    ...options,
  });
  return { bus, logs, parking, undeliverable };
}

function defects(count: number, jobId = "job-1"): DefectDetectedEvent[] {
  return Array.from({ length: count }, (_, i) => defectDetected(jobId, anOpenDefect({ start: i })));
}

/** A valid event whose PutEvents entry is about `bytes` long, padded through a label. */
function eventOfAbout(bytes: number): AvmonEvent {
  return jobAccepted("job-big", {
    source: "s3://b/k",
    mode: "file",
    detectors: [],
    labels: { pad: "x".repeat(bytes) },
  });
}

function acceptingFake(input: { Entries?: PutEventsRequestEntry[] }) {
  return { FailedEntryCount: 0, Entries: acceptAll(input.Entries) };
}

function throttled(): PutEventsResultEntry {
  return { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" };
}

beforeEach(() => {
  eventBridge.reset();
  eventBridge
    .on(PutEventsCommand)
    .callsFake((input) => ({ FailedEntryCount: 0, Entries: acceptAll(input.Entries) }));
});

describeEventBusContract("EventBridge (mocked client)", () => {
  const { bus } = createBus();
  const delivered = () =>
    sentEntries()
      .flat()
      .map((entry) => ({ detailType: entry.DetailType ?? "", detail: JSON.parse(entry.Detail ?? "null") }));
  return { bus, delivered };
});

describe("EventBridgeEventBus", () => {
  it("sends 25 events in 3 PutEvents requests of at most 10", async () => {
    const { bus } = createBus();

    await bus.publish(defects(25));
    await bus.flush();

    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 10, 5]);
    expect(bus.sentEvents).toBe(25);
  });

  it("maps the envelope onto a PutEvents entry for the configured bus", async () => {
    const { bus } = createBus();
    const [event] = defects(1);

    await bus.publish(defects(1));
    await bus.flush();

    expect(sentEntries()[0]?.[0]).toMatchObject({
      EventBusName: "avmon",
      Source: "avmon",
      DetailType: "Defect Detected",
      Resources: [],
    });
    expect(JSON.parse(sentEntries()[0]?.[0]?.Detail ?? "{}").alertId).toBe(event?.detail.alertId);
  });

  it("splits requests so that no request carries more than 256 KB of entries", async () => {
    const { bus } = createBus();

    await bus.publish([eventOfAbout(100_000), eventOfAbout(100_000), eventOfAbout(100_000), ...defects(2)]);
    await bus.flush();

    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([2, 3]);
    for (const entries of requests) {
      const total = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
      expect(total).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    }
  });

  it("parks an event larger than 256 KB whole, counts it, and still sends the rest", async () => {
    const { bus, logs, parking, undeliverable } = createBus();
    const huge = eventOfAbout(300_000);

    await bus.publish([huge, ...defects(2)]);
    await bus.flush();

    expect(bus.failedEvents).toBe(1);
    expect(undeliverable).toEqual([`EntryTooLarge ${huge.id}`]);
    expect(
      sentEntries()
        .flat()
        .map((entry) => entry.DetailType),
    ).toEqual(["Defect Detected", "Defect Detected"]);
    const [parked] = await parking.list();
    expect(parked?.parked).toMatchObject({
      event: huge,
      target: { kind: "eventbridge", busName: "avmon" },
      reason: { code: "EntryTooLarge" },
    });
    expect(logs.find((log) => log.errorCode === "EntryTooLarge")).toMatchObject({ eventId: huge.id });
  });

  it("rejects flush when a refused event cannot be parked either, so its job is not acked", async () => {
    const { dir, remove } = scratchDir("avmon-eb-blocked-");
    scratch.push(remove);
    const notAFolder = join(dir, "file");
    writeFileSync(notAFolder, "");
    const { bus, logs } = createBus({ parkingRoot: notAFolder });
    const event = defectDetected("job-1", anOpenDefect());
    eventBridge.on(PutEventsCommand).callsFake(() => ({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "AccessDeniedException", ErrorMessage: "no" }],
    }));

    await bus.publish([event]);

    await expect(bus.flush()).rejects.toThrow(UndeliveredEventsError);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        message: "event neither delivered to EventBridge nor parked",
        event,
      }),
    );
    await expect(bus.flush()).resolves.toBeUndefined();
  });

  it("retries only the entries that were throttled", async () => {
    const { bus } = createBus();
    const events = defects(4);
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(() => ({
        FailedEntryCount: 2,
        Entries: [
          { EventId: "a" },
          throttled(),
          { EventId: "c" },
          { ErrorCode: "InternalFailure", ErrorMessage: "oops" },
        ],
      }))
      .callsFake(acceptingFake);

    await bus.publish(events);
    await bus.flush();

    const [first, retry] = sentEntries();
    expect(first).toHaveLength(4);
    expect(retry?.map((entry) => JSON.parse(entry.Detail ?? "{}").alertId)).toEqual([
      events[1]?.detail.alertId,
      events[3]?.detail.alertId,
    ]);
    expect(bus.sentEvents).toBe(4);
    expect(bus.failedEvents).toBe(0);
  });

  it("counts, logs and parks an entry rejected with a non-retryable code, without retrying it", async () => {
    const { bus, logs, parking } = createBus();
    const [bad, good] = defects(2);
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(() => ({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." }, { EventId: "b" }],
      }))
      .callsFake(acceptingFake);

    await bus.publish([bad, good] as AvmonEvent[]);
    await bus.flush();

    expect(sentEntries()).toHaveLength(1);
    expect(bus.failedEvents).toBe(1);
    expect(bus.sentEvents).toBe(1);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        errorCode: "MalformedDetail",
        eventId: bad?.id,
        jobId: "job-1",
      }),
    );
    expect((await parking.list()).map((entry) => entry.parked.event)).toEqual([bad]);
  });

  it("retries the whole request when EventBridge throttles it", async () => {
    const { bus } = createBus();
    const throttling = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejectsOnce(throttling).callsFake(acceptingFake);

    await bus.publish(defects(3));
    await bus.flush();

    expect(sentEntries().map((entries) => entries.length)).toEqual([3, 3]);
    expect(bus.sentEvents).toBe(3);
  });

  it("gives up on a request refused for good, counting its events", async () => {
    const { bus } = createBus();
    const denied = Object.assign(new Error("not authorized"), {
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejects(denied);

    await bus.publish(defects(3));
    await bus.flush();

    expect(sentEntries()).toHaveLength(1);
    expect(bus.failedEvents).toBe(3);
  });

  it("stops retrying after the configured number of attempts", async () => {
    const { bus } = createBus({ maxAttempts: 3 });
    eventBridge.on(PutEventsCommand).callsFake(() => ({ FailedEntryCount: 1, Entries: [throttled()] }));

    await bus.publish(defects(1));
    await bus.flush();

    expect(sentEntries()).toHaveLength(3);
    expect(bus.failedEvents).toBe(1);
  });

  it("makes publish wait once the buffer is full while EventBridge does not answer", async () => {
    const { bus } = createBus({ maxBuffered: 10 });
    eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => {}));

    await bus.publish(defects(10));
    let overflowAccepted = false;
    void bus.publish(defects(1)).then(() => {
      overflowAccepted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(overflowAccepted).toBe(false);
    expect(bus.bufferedEvents).toBe(10);
    expect(sentEntries()).toHaveLength(1);
  });

  it("lets a waiting publish through as soon as a request completes", async () => {
    const { bus } = createBus({ maxBuffered: 10 });
    let answer: (() => void) | undefined;
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(
        (input) =>
          new Promise((resolve) => {
            answer = () => resolve(acceptingFake(input));
          }),
      )
      .callsFake(acceptingFake);

    await bus.publish(defects(10));
    const waiting = bus.publish(defects(5));
    await new Promise((resolve) => setTimeout(resolve, 10));
    answer?.();
    await waiting;
    await bus.flush();

    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 5]);
  });
});
