import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { S3Event, S3EventRecord } from "aws-lambda";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { JobRequest } from "../../core-service/src/domain/job.ts";
import { type AcceptJobDeps, acceptJob } from "../ingest-api/accept-job.ts";
import { documentClient, sqsClient } from "../shared/aws-clients.ts";
import { ENV, parseEnv, S3IngestEnv } from "../shared/env.ts";
import { lambdaEventBus } from "../shared/event-bus.ts";
import { dynamoIdempotencyStore } from "../shared/idempotency.ts";
import { METRIC } from "../shared/metric-names.ts";
import { createLambdaLogger, createLambdaMetrics } from "../shared/powertools.ts";

export interface S3IngestDeps extends Omit<AcceptJobDeps, "checkSource"> {
  readonly bucket: string;
  readonly prefix: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * An object created under the ingest prefix becomes a file job. S3 may deliver a notification more than once;
 * the object's key and sequencer make the idempotency key, so a repeat does not start a second job. A record
 * that fails makes the invocation fail, so Lambda retries and finally hands it to the failure destination.
 */
export function createS3IngestHandler(deps: S3IngestDeps) {
  return async (event: S3Event): Promise<void> => {
    try {
      for (const record of event.Records) await ingestRecord(record, deps);
    } finally {
      deps.metrics.publishStoredMetrics();
    }
  };
}

async function ingestRecord(record: S3EventRecord, deps: S3IngestDeps): Promise<void> {
  const bucket = record.s3.bucket.name;
  const key = objectKey(record);
  if (bucket !== deps.bucket || !key.startsWith(deps.prefix) || key.endsWith("/")) {
    deps.logger.warn("ignoring object outside the ingest prefix", { bucket, key });
    return;
  }
  const request = JobRequest.parse({ source: `s3://${bucket}/${key}`, mode: "file" });
  const idempotencyKey = `s3:${bucket}/${key}#${record.s3.object.sequencer ?? record.s3.object.eTag ?? ""}`;
  // The source is this stack's own bucket by construction: nothing to guard.
  const outcome = await acceptJob(request, idempotencyKey, { ...deps, checkSource: async () => {} });
  if (outcome.kind === "accepted") {
    deps.metrics.addMetric(METRIC.jobsAccepted, MetricUnit.Count, 1);
    deps.logger.info("job accepted from upload", { jobId: outcome.jobId, key });
  } else if (outcome.kind === "replayed") {
    deps.logger.info("repeated notification, job already accepted", { jobId: outcome.jobId, key });
  } else {
    deps.logger.error("upload not accepted as a job", { key, outcome });
  }
}

/** S3 event keys are URL-encoded with `+` for spaces. */
export function objectKey(record: S3EventRecord): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
}

function fromEnvironment(): S3IngestDeps {
  const env = parseEnv(S3IngestEnv);
  const sqs = sqsClient();
  const metrics = createLambdaMetrics("avmon-s3-ingest");
  return {
    groups: env[ENV.groupQueues],
    send: (queueUrl, message) =>
      new SqsJobQueue({ client: sqs, queueUrl, visibilityTimeoutSeconds: 300 }).send(message),
    bus: lambdaEventBus(env[ENV.eventBusName], env[ENV.ingestBucket], metrics),
    idempotency: dynamoIdempotencyStore(documentClient(), env[ENV.jobTableName]),
    bucket: env[ENV.ingestBucket],
    prefix: env[ENV.ingestPrefix],
    logger: createLambdaLogger("avmon-s3-ingest"),
    metrics,
  };
}

let handle: ReturnType<typeof createS3IngestHandler> | undefined;

export const handler = (event: S3Event): Promise<void> => {
  handle ??= createS3IngestHandler(fromEnvironment());
  return handle(event);
};
