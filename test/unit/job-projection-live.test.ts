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

  it("adds up a fanned-out job's groups: their CPU and escalations over the stream time the furthest one watched", () => {
    const picture = {
      ...jobProgress(JOB, { streamTime: 60, live: usage({ cpuSeconds: 3, mediaSeconds: 60 }) }, at(60)),
    };
    picture.detail = { ...picture.detail, group: "picture" };
    const pictureLater = jobProgress(
      JOB,
      {
        streamTime: 70,
        live: usage({
          cpuSeconds: 4,
          mediaSeconds: 70,
          escalated: true,
          escalations: { count: 2, lastCause: "still" },
        }),
      },
      at(70),
    );
    pictureLater.detail = { ...pictureLater.detail, group: "picture" };
    const sound = jobProgress(
      JOB,
      { streamTime: 65, live: usage({ profile: "full", cpuSeconds: 1, mediaSeconds: 65 }) },
      at(65),
    );
    sound.detail = { ...sound.detail, group: "sound" };

    const view = project([started, picture, sound, pictureLater, picture]);

    expect(view).toMatchObject({
      profile: "economy",
      escalated: true,
      escalations: { count: 2, lastCause: "still" },
      cpuSeconds: 5,
      cpuSecondsPerMediaHour: 257.1, // 5 s × 3600 / 70 s
      progress: { mediaSeconds: 70 },
    });
    expect(Object.keys(view?.groupUsage ?? {}).sort()).toEqual(["picture", "sound"]);
  });
});
