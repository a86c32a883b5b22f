import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { S3Event, S3EventRecord } from "aws-lambda";
import type { Intake } from "../../core-service/src/intake/intake.ts";
import type { EventBus } from "../../core-service/src/ports/event-bus.ts";
import { awsSourceCheck } from "../ingest-api/source-policy.ts";
import { documentClient, dynamoClient, sqsClient } from "../shared/aws-clients.ts";
import { awsIntake } from "../shared/aws-intake.ts";
import { ENV, FUNCTION_TIMEOUT_SECONDS, parseEnv, S3IngestEnv } from "../shared/env.ts";
import { lambdaEventBus } from "../shared/event-bus.ts";
import { METRIC } from "../shared/metric-names.ts";
import { createLambdaLogger, createLambdaMetrics } from "../shared/powertools.ts";

export interface S3IngestDeps {
  /** The same intake as the API's, with its own idempotency scope. */
  readonly intake: Intake;
  /** Flushed before the invocation ends, so no Job Accepted is left in a buffer. */
  readonly bus: EventBus;
  readonly bucket: string;
  readonly prefix: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * An object created under the ingest prefix becomes a file job. S3 may deliver a notification more than once;
 * the object's key and sequencer make the idempotency key, so a repeat does not start a second job. A record
 * that fails (or whose twin is still being queued) makes the invocation fail, so Lambda retries and finally
 * hands it to the failure destination.
 */
export function createS3IngestHandler(deps: S3IngestDeps) {
  return async (event: S3Event): Promise<void> => {
    try {
      for (const record of event.Records) await ingestRecord(record, deps);
    } finally {
      await deps.bus.flush();
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
  const request = { source: `s3://${bucket}/${key}`, mode: "file" };
  const idempotencyKey = `${bucket}/${key}#${record.s3.object.sequencer ?? record.s3.object.eTag ?? ""}`;
  const outcome = await deps.intake.submit(request, idempotencyKey);
  switch (outcome.kind) {
    case "accepted":
      if (outcome.replayed) {
        deps.logger.info("repeated notification, job already accepted", { jobId: outcome.jobId, key });
        return;
      }
      deps.metrics.addMetric(METRIC.jobsAccepted, MetricUnit.Count, 1);
      deps.logger.info("job accepted from upload", { jobId: outcome.jobId, key });
      return;
    case "in-progress":
      throw new Error(`the same notification for ${key} is still being queued; retrying`);
    default:
      deps.logger.error("upload not accepted as a job", { key, outcome });
  }
}

/** S3 event keys are URL-encoded with `+` for spaces. */
export function objectKey(record: S3EventRecord): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
}

function fromEnvironment(): S3IngestDeps {
  const env = parseEnv(S3IngestEnv);
  const dynamo = dynamoClient();
  const metrics = createLambdaMetrics("avmon-s3-ingest");
  const bus = lambdaEventBus(env[ENV.eventBusName], env[ENV.ingestBucket], metrics);
  return {
    intake: awsIntake({
      groups: env[ENV.groupQueues],
      sqs: sqsClient(),
      bus,
      dynamo,
      documents: documentClient(dynamo),
      tableName: env[ENV.jobTableName],
      scope: "s3",
      inProgressSeconds: FUNCTION_TIMEOUT_SECONDS["s3-ingest"],
      checkSource: awsSourceCheck(env[ENV.ingestBucket]),
    }),
    bus,
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
