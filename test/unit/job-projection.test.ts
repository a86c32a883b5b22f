import { describe, expect, it } from "vitest";
import {
  defectCleared,
  defectDetected,
  jobAccepted,
  jobCompleted,
  jobFailed,
  jobStarted,
  type ResolvedAvmonEvent,
} from "../../core-service/src/domain/events.ts";
import { type JobView, projectJob } from "../../core-service/src/domain/job-projection.ts";
import { aDefect, anOpenDefect, aReport, at } from "../support/avmon-events.ts";

const JOB = "job-42";

function project(events: readonly ResolvedAvmonEvent[]): JobView | undefined {
  return events.reduce<JobView | undefined>((view, event) => projectJob(view, event), undefined);
}

const accepted = jobAccepted(
  JOB,
  { source: "s3://b/clip.mp4", mode: "file", detectors: ["freeze"], labels: {} },
  at(0),
);
const started = jobStarted(JOB, { attempt: 1, workerId: "task-a" }, at(1));
const freezeOpened = defectDetected(JOB, anOpenDefect({ start: 15 }), at(20));
const freezeClosed = defectCleared(JOB, aDefect({ start: 15, end: 19 }), at(24));
const completed = jobCompleted(JOB, aReport([aDefect({ start: 15, end: 19 })], 30), at(30));

describe("job projection", () => {
  it("shows a newly accepted job as queued with what was asked for", () => {
    const view = project([accepted]);

    expect(view).toMatchObject({ jobId: JOB, status: "queued", source: "s3://b/clip.mp4", mode: "file" });
    expect(view?.acceptedAt).toBe(at(0).toISOString());
  });

  it("follows a job from queued through running to completed, with its defects", () => {
    const running = project([accepted, started, freezeOpened]);
    const done = project([accepted, started, freezeOpened, freezeClosed, completed]);

    expect(running).toMatchObject({ status: "running", attempt: 1, workerId: "task-a" });
    expect(running?.defects).toEqual([
      { ...anOpenDefect({ start: 15 }), alertId: freezeOpened.detail.alertId },
    ]);
    expect(running?.progress).toEqual({ mediaSeconds: 15, fraction: null });
    expect(done).toMatchObject({ status: "completed", summary: completed.detail.summary });
    expect(done?.defects).toEqual([
      { ...aDefect({ start: 15, end: 19 }), alertId: freezeOpened.detail.alertId },
    ]);
    expect(done?.progress).toEqual({ mediaSeconds: 30, fraction: 1 });
    expect(done?.finishedAt).toBe(at(30).toISOString());
    expect(done?.updatedAt).toBe(at(30).toISOString());
  });

  it("lists defects in onset order whatever order they were published in", () => {
    const late = defectDetected(JOB, anOpenDefect({ type: "silence", start: 40 }), at(41));
    const early = defectDetected(JOB, anOpenDefect({ type: "black", start: 3 }), at(42));

    const view = project([accepted, started, late, early]);

    expect(view?.defects.map((d) => [d.type, d.start])).toEqual([
      ["black", 3],
      ["silence", 40],
    ]);
  });

  it("shows a failed job with its error", () => {
    const failed = jobFailed(
      JOB,
      { code: "UNSUPPORTED_MEDIA", message: "no audio or video", retryable: false },
      at(2),
    );

    const view = project([accepted, started, failed]);

    expect(view).toMatchObject({
      status: "failed",
      error: failed.detail.error,
      finishedAt: at(2).toISOString(),
    });
  });

  it("shows a live job ended on request as stopped", () => {
    const stopped = jobCompleted(JOB, aReport([], 120), at(121), "stopped");

    expect(project([accepted, started, stopped])?.status).toBe("stopped");
  });

  it("counts every event applied twice only once", () => {
    const once = project([accepted, started, freezeOpened, freezeClosed, completed]);
    const twice = project([
      accepted,
      accepted,
      started,
      started,
      freezeOpened,
      freezeOpened,
      freezeClosed,
      completed,
      completed,
    ]);

    expect(twice).toEqual(once);
  });

  it("counts a defect republished under a new envelope once, by its alertId", () => {
    const republished = defectDetected(JOB, anOpenDefect({ start: 15 }), at(21));

    const view = project([accepted, started, freezeOpened, republished]);

    expect(view?.defects).toHaveLength(1);
  });

  it("does not send a started job back to queued when Job Accepted arrives late", () => {
    const view = project([started, accepted]);

    expect(view).toMatchObject({
      status: "running",
      source: "s3://b/clip.mp4",
      acceptedAt: at(0).toISOString(),
    });
  });

  it("keeps a finished job finished when earlier events arrive after it", () => {
    const view = project([completed, started, freezeOpened, accepted]);

    expect(view?.status).toBe("completed");
    expect(view?.updatedAt).toBe(at(30).toISOString());
  });

  it("keeps a cleared defect closed when its Defect Detected arrives afterwards", () => {
    const view = project([accepted, started, freezeClosed, freezeOpened]);

    expect(view?.defects).toEqual([
      { ...aDefect({ start: 15, end: 19 }), alertId: freezeClosed.detail.alertId },
    ]);
  });

  it("lets a later attempt revive a job that failed in a retryable way", () => {
    const failed = jobFailed(
      JOB,
      { code: "SOURCE_UNREACHABLE", message: "timed out", retryable: true },
      at(5),
    );
    const retried = jobStarted(JOB, { attempt: 2, workerId: "task-b" }, at(65));

    const view = project([accepted, started, failed, retried]);

    expect(view).toMatchObject({ status: "running", attempt: 2, workerId: "task-b" });
    expect(view).not.toHaveProperty("error");
  });

  it("does not revive a job that failed for good", () => {
    const failed = jobFailed(
      JOB,
      { code: "INVALID_SOURCE", message: "no such key", retryable: false },
      at(5),
    );
    const retried = jobStarted(JOB, { attempt: 2 }, at(65));

    expect(project([accepted, started, failed, retried])?.status).toBe("failed");
  });

  it("does not let a duplicate of the first Job Started revive a retryable failure", () => {
    const failed = jobFailed(
      JOB,
      { code: "SOURCE_UNREACHABLE", message: "timed out", retryable: true },
      at(5),
    );

    expect(project([accepted, started, failed, started])?.status).toBe("failed");
  });

  it("does not change the view it was given", () => {
    const before = project([accepted, started]);
    const snapshot = structuredClone(before);

    projectJob(before, completed);

    expect(before).toEqual(snapshot);
  });
});
