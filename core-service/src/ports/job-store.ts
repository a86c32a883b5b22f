import type { ResolvedAvmonEvent } from "../domain/events.ts";
import type { JobListQuery, JobPage } from "../domain/job-listing.ts";
import type { JobView } from "../domain/job-projection.ts";

export type { AlertedDefect, JobView } from "../domain/job-projection.ts";

/** The read side of jobs: a projection of their events (DynamoDB on AWS, memory locally). */
export interface JobStore {
  /** Folds one event into its job. Idempotent: the same event applied twice counts once. */
  apply(event: ResolvedAvmonEvent): Promise<void>;
  /** Status, progress, defects so far, summary, error and timestamps; undefined for an unknown job. */
  get(jobId: string): Promise<JobView | undefined>;
  /** Jobs newest first (by submission), `query.limit` at most, after `query.cursor` when given. */
  list(query: JobListQuery): Promise<JobPage>;
}
