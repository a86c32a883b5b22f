import { EVENT_SOURCE, type ResolvedAvmonEvent } from "../../domain/events.ts";
import {
  encodeCursor,
  type JobListQuery,
  type JobPage,
  listKey,
  toListItem,
} from "../../domain/job-listing.ts";
import { type JobView, projectJob } from "../../domain/job-projection.ts";
import { type ClaimStore, followClaimCheck } from "../../ports/claim-store.ts";
import type { SubscribableEventBus } from "../../ports/event-bus.ts";
import type { JobStore } from "../../ports/job-store.ts";

export interface MemoryJobStoreOptions {
  /** Jobs kept; past it the least recently updated job is forgotten, so a long-running local stack stays bounded. */
  readonly maxJobs?: number;
}

/** The local read side of jobs, projected from the bus's events. */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, JobView>();
  readonly #maxJobs: number;

  constructor(options: MemoryJobStoreOptions = {}) {
    this.#maxJobs = options.maxJobs ?? 10_000;
  }

  /**
   * Keeps the store up to date with every avmon event on the bus, following claim checks to the stored report;
   * returns the unsubscribe function.
   */
  subscribeTo(bus: SubscribableEventBus, claims: Pick<ClaimStore, "get">): () => void {
    return bus.subscribe({ source: [EVENT_SOURCE] }, async (event) =>
      this.apply(await followClaimCheck(event, claims)),
    );
  }

  async apply(event: ResolvedAvmonEvent): Promise<void> {
    const { jobId } = event.detail;
    const next = projectJob(this.#jobs.get(jobId), event);
    // Re-inserting moves the job to the end of the Map's order, which makes the first key the least recent.
    this.#jobs.delete(jobId);
    this.#jobs.set(jobId, next);
    this.#evictBeyondLimit();
  }

  async get(jobId: string): Promise<JobView | undefined> {
    const view = this.#jobs.get(jobId);
    // A copy, so callers cannot change the stored view behind the projection's back.
    return view && structuredClone(view);
  }

  /**
   * Sorts on each call rather than keeping a second index in step with the LRU order: at the store's bound
   * (10 000 jobs) that is a few milliseconds, for a page the dashboard asks for when it opens.
   */
  async list(query: JobListQuery): Promise<JobPage> {
    const after = query.cursor;
    const keyed = [...this.#jobs.values()]
      .map((view) => ({ key: listKey(view), view }))
      .filter((job) => after === undefined || job.key < after)
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = keyed.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      jobs: page.map((job) => structuredClone(toListItem(job.view))),
      ...(keyed.length > page.length && last && { nextCursor: encodeCursor(last.key) }),
    };
  }

  #evictBeyondLimit(): void {
    while (this.#jobs.size > this.#maxJobs) {
      const oldest = this.#jobs.keys().next();
      if (oldest.done) return;
      this.#jobs.delete(oldest.value);
    }
  }
}
