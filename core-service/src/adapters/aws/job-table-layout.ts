/**
 * Item keys in the one job table (infra/lib/constructs/job-table.ts), shared by the Lambdas that write it, the
 * container that reads it and the CDK construct that defines it, so all sides agree on the layout by
 * construction.
 */

/** The table's partition key (a string); every item kind below is told apart by its prefix. */
export const PARTITION_KEY = "pk";
/** The attribute DynamoDB's TTL reads (epoch seconds): idempotency records expire, job records do not. */
export const TTL_ATTRIBUTE = "expiresAt";

export const jobKey = (jobId: string) => ({ [PARTITION_KEY]: `JOB#${jobId}` });
export const stopKey = (jobId: string) => ({ [PARTITION_KEY]: `STOP#${jobId}` });
/**
 * Powertools idempotency records (adapters/aws/dynamodb-idempotency.ts) are keyed `<prefix>#<hash of the
 * key>`; the scope keeps API keys, S3 notifications and alert channels apart.
 */
export const idempotencyKeyPrefix = (scope: string) => `IDEMPOTENCY#${scope}`;

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
