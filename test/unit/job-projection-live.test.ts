import { describe, expect, it } from "vitest";
import {
  jobCompleted,
  jobProgress,
  jobStarted,
  type ResolvedAvmonEvent,
} from "../../core-service/src/domain/events.ts";
import type { LiveUsage } from "../../core-service/src/domain/job.ts";
import { type JobView, projectJob } from "../../core-service/src/domain/job-projection.ts";
import { aReport, at } from "../support/avmon-events.ts";

const JOB = "live-7";

function project(events: readonly ResolvedAvmonEvent[]): JobView | undefined {
  return events.reduce<JobView | undefined>((view, event) => projectJob(view, event), undefined);
}

const usage = (overrides: Partial<LiveUsage> = {}): LiveUsage => ({
  profile: "economy",
  escalated: false,
  escalations: { count: 0 },
  cpuSeconds: 1,
  cpuSecondsPerMediaHour: 120,
  mediaSeconds: 30,
  ...overrides,
});

const started = jobStarted(JOB, { attempt: 1 }, at(0));
const quiet = jobProgress(JOB, { streamTime: 30, live: usage() }, at(30));
const escalated = jobProgress(
  JOB,
  {
    streamTime: 42,
    live: usage({ escalated: true, escalations: { count: 1, lastCause: "black" }, cpuSeconds: 2 }),
  },
  at(42),
);

describe("job projection of Job Progress", () => {
  it("shows a live job's profile, escalations and CPU from its latest Job Progress", () => {
    const view = project([started, quiet, escalated]);

    expect(view).toMatchObject({
      status: "running",
      profile: "economy",
      escalated: true,
      escalations: { count: 1, lastCause: "black" },
      cpuSeconds: 2,
      cpuSecondsPerMediaHour: 120,
      progress: { mediaSeconds: 42 },
    });
  });

  it("keeps the latest figures when an older Job Progress arrives after a newer one", () => {
    expect(project([started, escalated, quiet])).toEqual(project([started, quiet, escalated]));
  });

  it("never changes the status: a Job Progress after Job Completed leaves the job completed", () => {
    const completed = jobCompleted(JOB, aReport([], 60), at(60));
    const final = jobProgress(JOB, { streamTime: 60, live: usage({ cpuSeconds: 3 }) }, at(59));
    const view = project([started, completed, final]);

    expect(view?.status).toBe("completed");
    expect(view?.cpuSeconds).toBe(3);
  });
});
