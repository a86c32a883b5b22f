/**
 * Where avmon keeps event data in the ingest bucket, shared by the CDK app (grants, the bucket's notification
 * prefix check) and the code that writes and reads it. Outside the uploads prefix, so none of it becomes a job.
 */
export const EVENT_STORE_PREFIX = "events/";
/** Claim checks: reports too large for their Job Completed event, `events/claims/<jobId>/<eventId>.json`. */
export const CLAIMS_PREFIX = `${EVENT_STORE_PREFIX}claims/`;
/** Events EventBridge refused for good, `events/undeliverable/<target>/<eventId>.json`, until replayed. */
export const UNDELIVERABLE_PREFIX = `${EVENT_STORE_PREFIX}undeliverable/`;
