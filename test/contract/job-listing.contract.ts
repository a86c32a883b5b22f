import { describe, expect, it } from "vitest";
import {
  defectDetected,
  jobAccepted,
  jobCompleted,
  jobStarted,
} from "../../core-service/src/domain/events.ts";
import { type JobListQuery, parseJobListQuery } from "../../core-service/src/domain/job-listing.ts";
import type { JobStore } from "../../core-service/src/ports/job-store.ts";
import { anOpenDefect, aReport, at } from "../support/avmon-events.ts";

/** A fresh, empty store per test. */
export type JobStoreFactory = () => Promise<JobStore>;

const request: Parameters<typeof jobAccepted>[1] = {
  source: "/media/clip.mp4",
  mode: "file",
  detectors: ["black"],
  labels: {},
};

function query(raw: Record<string, string> = {}): JobListQuery {
  const parsed = parseJobListQuery(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.query;
}

/** Submits jobs `job-0` … `job-{n-1}`, one second apart, each later one newer. */
async function submitJobs(store: JobStore, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const jobId = `job-${i}`;
    await store.apply(jobAccepted(jobId, request, at(i)));
    ids.push(jobId);
  }
  return ids;
}

/** What `GET /v1/jobs` promises, whichever store answers it. */
export function describeJobListingContract(name: string, createStore: JobStoreFactory): void {
  describe(`job listing (${name})`, () => {
    it("lists nothing, with no cursor, before any job", async () => {
      const store = await createStore();
      expect(await store.list(query())).toEqual({ jobs: [] });
    });

    it("lists jobs newest first by submission, however recently an older one was updated", async () => {
      const store = await createStore();
      await submitJobs(store, 3);
      await store.apply(jobStarted("job-0", { attempt: 1 }, at(60)));

      const page = await store.list(query());

      expect(page.jobs.map((job) => job.jobId)).toEqual(["job-2", "job-1", "job-0"]);
      expect(page.jobs[2]?.status).toBe("running");
      expect(page.nextCursor).toBeUndefined();
    });

    it("pages through every job exactly once, and gives no cursor on the last page", async () => {
      const store = await createStore();
      const ids = await submitJobs(store, 7);
      const seen: string[] = [];
      const pageSizes: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list(query({ limit: "3", ...(cursor && { cursor }) }));
        seen.push(...page.jobs.map((job) => job.jobId));
        pageSizes.push(page.jobs.length);
        cursor = page.nextCursor;
      } while (cursor !== undefined && pageSizes.length < 10);

      expect(pageSizes).toEqual([3, 3, 1]);
      expect(seen).toEqual([...ids].reverse());
    });

    it("gives no cursor when the last page is exactly full", async () => {
      const store = await createStore();
      await submitJobs(store, 4);

      const first = await store.list(query({ limit: "2" }));
      const second = await store.list(query({ limit: "2", cursor: first.nextCursor ?? "" }));

      expect(second.jobs.map((job) => job.jobId)).toEqual(["job-1", "job-0"]);
      expect(second.nextCursor).toBeUndefined();
    });

    it("keeps jobs submitted in the same millisecond in one stable order across pages", async () => {
      const store = await createStore();
      for (const jobId of ["b", "a", "c"]) await store.apply(jobAccepted(jobId, request, at(5)));

      const first = await store.list(query({ limit: "2" }));
      const rest = await store.list(query({ limit: "2", cursor: first.nextCursor ?? "" }));

      expect([...first.jobs, ...rest.jobs].map((job) => job.jobId)).toEqual(["c", "b", "a"]);
    });

    it("sorts a job by its submission once Job Accepted arrives after Job Started", async () => {
      const store = await createStore();
      await submitJobs(store, 2);
      await store.apply(jobStarted("late", { attempt: 1 }, at(30)));
      expect((await store.list(query())).jobs[0]?.jobId).toBe("late");

      await store.apply(jobAccepted("late", request, at(0.5)));

      expect((await store.list(query())).jobs.map((job) => job.jobId)).toEqual(["job-1", "late", "job-0"]);
    });

    it("shows status, progress and defects but leaves the report to GET /v1/jobs/{id}", async () => {
      const store = await createStore();
      await submitJobs(store, 1);
      const black = anOpenDefect({ type: "black", start: 3 });
      await store.apply(defectDetected("job-0", black, at(2)));
      await store.apply(jobCompleted("job-0", aReport([], 24), at(3)));

      const [job] = (await store.list(query())).jobs;

      expect(job).toMatchObject({
        jobId: "job-0",
        status: "completed",
        source: request.source,
        progress: { mediaSeconds: 24, fraction: 1 },
        defects: [expect.objectContaining({ type: "black", start: 3, alertId: expect.any(String) })],
      });
      expect(job).not.toHaveProperty("summary");
      expect((await store.get("job-0"))?.summary?.media.duration).toBe(24);
    });
  });
}
