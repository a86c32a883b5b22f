/**
 * Item keys in the one job table (infra/lib/constructs/job-table.ts), shared by the Lambdas that write it and
 * the container that reads it, so both sides agree on the layout by construction.
 */
/** The table's partition key (a string); every item kind below is told apart by its prefix. */
export const PARTITION_KEY = "pk";

export const jobKey = (jobId: string) => ({ [PARTITION_KEY]: `JOB#${jobId}` });
export const stopKey = (jobId: string) => ({ [PARTITION_KEY]: `STOP#${jobId}` });
export const idempotencyKey = (key: string) => ({ pk: `IDEMPOTENCY#${key}` });
export const alertKey = (alertId: string) => ({ pk: `ALERT#${alertId}` });

/**
 * The index behind `GET /v1/jobs`: every job item carries the same `listPartition` and its `listKey` (submission
 * time, then id), so one Query reads jobs newest first. One partition is enough for job records: each event
 * rewrites its job once, far below a partition's thousand writes a second.
 */
export const JOB_LIST_INDEX = {
  indexName: "jobs-newest-first",
  partitionKey: "listPartition",
  sortKey: "listKey",
  partition: "JOBS",
  /** Attributes copied into the index besides the keys: the view the listing returns. */
  projected: ["view"],
} as const;
