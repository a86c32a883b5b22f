import { describe, expect, it } from "vitest";
import {
  jobAccepted,
  jobCompleted,
  jobStarted,
  type ResolvedAvmonEvent,
} from "../../core-service/src/domain/events.ts";
import { type JobView, projectJob } from "../../core-service/src/domain/job-projection.ts";
import { aDefect, aReport, at } from "../support/avmon-events.ts";

const JOB = "job-groups";

function fold(events: ResolvedAvmonEvent[]): JobView {
  return events.reduce<JobView | undefined>((view, event) => projectJob(view, event), undefined) as JobView;
}

const accepted = (groups?: string[]) =>
  jobAccepted(
    JOB,
    { source: "s3://b/k", mode: "file", detectors: ["black", "silence"], labels: {}, groups },
    at(0),
  );

function completedBy(group: string | undefined, seconds: number, defects = [aDefect()]) {
  const event = jobCompleted(JOB, aReport(defects), at(seconds));
  if (group !== undefined) event.detail.group = group;
  return event;
}

describe("a job fanned out to several detector groups", () => {
  it("stays running until every group it went to has completed", () => {
    const view = fold([
      accepted(["video", "audio"]),
      jobStarted(JOB, { attempt: 1 }, at(1)),
      completedBy("video", 5),
    ]);

    expect(view.status).toBe("running");
  });

  it("completes when the last group completes, with every group's defects in its summary", () => {
    const view = fold([
      accepted(["video", "audio"]),
      completedBy("video", 5, [aDefect({ type: "black", start: 3, end: 4 })]),
      completedBy("audio", 9, [aDefect({ type: "silence", start: 1, end: 2 })]),
    ]);

    expect(view.status).toBe("completed");
    expect(view.finishedAt).toBe(at(9).toISOString());
    expect(view.summary?.defects.map((d) => d.type)).toEqual(["silence", "black"]);
  });

  it("completes when Job Accepted arrives after every group has completed", () => {
    const view = fold([completedBy("audio", 9), completedBy("video", 5), accepted(["video", "audio"])]);

    expect(view.status).toBe("completed");
  });

  it("does not count one group's redelivered Job Completed twice", () => {
    const view = fold([
      accepted(["video", "audio"]),
      jobStarted(JOB, { attempt: 1 }, at(1)),
      completedBy("video", 5),
      completedBy("video", 6),
    ]);

    expect(view.status).toBe("running");
    expect(view.completedGroups).toHaveLength(1);
  });

  it("ends stopped when any group stopped on request", () => {
    const stopped = jobCompleted(JOB, aReport(), at(7), "stopped");
    stopped.detail.group = "audio";

    const view = fold([accepted(["video", "audio"]), completedBy("video", 5), stopped]);

    expect(view.status).toBe("stopped");
  });

  it("completes on the first Job Completed when the job names no groups (the local stack)", () => {
    const view = fold([accepted(), completedBy(undefined, 5)]);

    expect(view.status).toBe("completed");
  });
});
