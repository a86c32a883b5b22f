import { describe, expect, it } from "vitest";
import type { LiveContinuation } from "../../core-service/src/domain/job.ts";
import type { JobView } from "../../core-service/src/domain/job-projection.ts";
import { liveStartOf, remainingSeconds } from "../../core-service/src/worker/live-resume.ts";
import { aDefect, anOpenDefect, at } from "../support/avmon-events.ts";
import { aQueueMessage } from "./worker-harness.ts";

const live = aQueueMessage({ mode: "live", source: "http://o.example/live.m3u8" });

function aView(overrides: Partial<JobView> = {}): JobView {
  return {
    jobId: live.jobId,
    status: "running",
    attempt: 1,
    progress: { mediaSeconds: 100, fraction: null },
    defects: [
      { ...aDefect({ type: "black", start: 20, end: 25 }), alertId: "black-1" },
      { ...anOpenDefect({ type: "freeze", start: 100 }), alertId: "freeze-1" },
    ],
    acceptedAt: at(0).toISOString(),
    updatedAt: at(100).toISOString(),
    ...overrides,
  };
}

const continuation: LiveContinuation = {
  watchingSince: at(0).toISOString(),
  handOffs: 1,
  resumeState: {
    openDefects: [{ alertId: "stall-1", defect: anOpenDefect({ type: "stall", start: 40_000 }) }],
    lastStreamTime: 43_000,
    lastSeenAt: at(43_000).toISOString(),
    timelineOffsets: { video: 0, audio: 0 },
  },
};

describe("where a live job picks up", () => {
  it("starts fresh on a job's first delivery", () => {
    const start = liveStartOf(
      { message: live, receiveCount: 1 },
      aView({ attempt: 0, defects: [] }),
      30,
      at(5),
    );
    expect(start.resumeState).toBeUndefined();
    expect(start.watchingSince).toEqual(at(0));
  });

  it("takes a hand-off's state from its continuation message", () => {
    const message = { ...live, continuation };
    const start = liveStartOf({ message, receiveCount: 1 }, aView(), 30, at(43_005));
    expect(start.resumeState).toEqual(continuation.resumeState);
    expect(start.watchingSince).toEqual(at(0));
  });

  it("after a crash, resumes the defects detected and never cleared, with their alertIds", () => {
    const start = liveStartOf({ message: live, receiveCount: 2 }, aView(), 30, at(200));
    expect(start.resumeState?.openDefects).toEqual([
      { alertId: "freeze-1", defect: anOpenDefect({ type: "freeze", start: 100 }) },
    ]);
  });

  it("after a crash, dates the last media no earlier than a lease before the job came back", () => {
    const start = liveStartOf({ message: live, receiveCount: 2 }, aView(), 30, at(200));
    expect(start.resumeState?.lastSeenAt).toBe(at(170).toISOString());
    // The stream's clock ran on with the wall clock from the last event (at 100 s, stream time 100).
    expect(start.resumeState?.lastStreamTime).toBe(170);
  });

  it("after a crash soon after its last event, dates the last media at that event", () => {
    const start = liveStartOf({ message: live, receiveCount: 2 }, aView(), 30, at(110));
    expect(start.resumeState?.lastSeenAt).toBe(at(100).toISOString());
    expect(start.resumeState?.lastStreamTime).toBe(100);
  });

  it("trusts the events over a continuation that a crash brought back, but keeps its start time", () => {
    const message = { ...live, continuation };
    const start = liveStartOf(
      { message, receiveCount: 2 },
      aView({ acceptedAt: at(50).toISOString() }),
      30,
      at(200),
    );
    expect(start.resumeState?.openDefects.map((d) => d.alertId)).toEqual(["freeze-1"]);
    expect(start.watchingSince).toEqual(at(0));
  });
});

describe("the time left of a live job", () => {
  it("counts the maximum duration from the first start", () => {
    expect(remainingSeconds(3600, at(0), at(600))).toBe(3000);
  });

  it("is zero once the maximum has passed, and undefined without one", () => {
    expect(remainingSeconds(60, at(0), at(600))).toBe(0);
    expect(remainingSeconds(undefined, at(0), at(600))).toBeUndefined();
  });
});
