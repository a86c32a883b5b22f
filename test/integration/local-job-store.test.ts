import { describe, expect, it } from "vitest";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import { MemoryJobStore } from "../../core-service/src/adapters/memory/memory-job-store.ts";
import {
  defectCleared,
  defectDetected,
  jobAccepted,
  jobCompleted,
  jobStarted,
} from "../../core-service/src/domain/events.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { aDefect, anOpenDefect, aReport, at } from "../support/avmon-events.ts";
import { scratchClaimStore } from "../support/scratch-dirs.ts";

function localStack(maxJobs?: number) {
  const bus = new MemoryEventBus({ logger: silentLogger });
  const store = new MemoryJobStore(maxJobs ? { maxJobs } : {});
  store.subscribeTo(bus, scratchClaimStore());
  return { bus, store };
}

function accepted(jobId: string) {
  return jobAccepted(
    jobId,
    { source: "file:///media/clip.mp4", mode: "file", detectors: ["freeze"], labels: {} },
    at(0),
  );
}

describe("local job store fed by the local bus", () => {
  it("shows a job's status and defects as its events are published", async () => {
    const { bus, store } = localStack();

    await bus.publish([accepted("job-1"), jobStarted("job-1", { attempt: 1 }, at(1))]);
    await bus.publish([defectDetected("job-1", anOpenDefect({ start: 15 }), at(16))]);
    await bus.idle();
    const running = await store.get("job-1");
    await bus.publish([defectCleared("job-1", aDefect({ start: 15, end: 19 }), at(20))]);
    await bus.publish([jobCompleted("job-1", aReport(), at(30))]);
    await bus.idle();
    const done = await store.get("job-1");

    expect(running).toMatchObject({ status: "running", defects: [{ type: "freeze", start: 15 }] });
    expect(running?.defects[0]).not.toHaveProperty("end");
    expect(done).toMatchObject({ status: "completed", defects: [{ type: "freeze", start: 15, end: 19 }] });
  });

  it("counts a redelivered batch once", async () => {
    const { bus, store } = localStack();
    const batch = [accepted("job-1"), defectDetected("job-1", anOpenDefect({ start: 3 }), at(4))];

    await bus.publish(batch);
    await bus.publish(batch);
    await bus.idle();

    expect((await store.get("job-1"))?.defects).toHaveLength(1);
  });

  it("answers undefined for a job it never heard of", async () => {
    const { store } = localStack();

    expect(await store.get("job-unknown")).toBeUndefined();
  });

  it("hands out copies, so a caller cannot change what the store holds", async () => {
    const { bus, store } = localStack();
    await bus.publish([accepted("job-1")]);
    await bus.idle();

    const view = await store.get("job-1");
    if (view) view.status = "failed";

    expect((await store.get("job-1"))?.status).toBe("queued");
  });

  it("forgets the least recently updated job beyond its limit", async () => {
    const { bus, store } = localStack(2);

    await bus.publish([accepted("job-1"), accepted("job-2")]);
    await bus.publish([jobStarted("job-1", { attempt: 1 }, at(1)), accepted("job-3")]);
    await bus.idle();

    expect(await store.get("job-2")).toBeUndefined();
    expect((await store.get("job-1"))?.status).toBe("running");
    expect((await store.get("job-3"))?.status).toBe("queued");
  });
});
