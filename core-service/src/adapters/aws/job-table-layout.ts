/**
 * Item keys in the one job table (infra/lib/constructs/job-table.ts), shared by the Lambdas that write it and
 * the container that reads it, so both sides agree on the layout by construction.
 */
export const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}` });
export const stopKey = (jobId: string) => ({ pk: `STOP#${jobId}` });
export const idempotencyKey = (key: string) => ({ pk: `IDEMPOTENCY#${key}` });
export const alertKey = (alertId: string) => ({ pk: `ALERT#${alertId}` });
