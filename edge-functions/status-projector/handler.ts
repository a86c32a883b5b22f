import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { S3ClaimStore } from "../../core-service/src/adapters/aws/s3-claim-store.ts";
import { parseAvmonEvent } from "../../core-service/src/domain/events.ts";
import { isTerminal } from "../../core-service/src/domain/job.ts";
import { type ClaimStore, followClaimCheck } from "../../core-service/src/ports/claim-store.ts";
import { documentClient, s3Client } from "../shared/aws-clients.ts";
import { ENV, parseEnv, StatusProjectorEnv } from "../shared/env.ts";
import { DIMENSION, METRIC } from "../shared/metric-names.ts";
import { createLambdaLogger, createLambdaMetrics } from "../shared/powertools.ts";
import { processSqsBatch } from "../shared/sqs-batch.ts";

export interface StatusProjectorDeps {
  readonly store: DynamoJobStore;
  /** Where the reports of claim-checked Job Completed events are (the ingest bucket's events/claims/). */
  readonly claims: Pick<ClaimStore, "get">;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Every avmon event (via the rule's SQS buffer) folded into the job table that `GET /v1/jobs/{id}` reads. A
 * claim-checked Job Completed is folded with its full report, read back from S3.
 */
export function createStatusProjectorHandler(deps: StatusProjectorDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    try {
      return await processSqsBatch(event, (record) => project(record, deps), deps.logger);
    } finally {
      deps.metrics.publishStoredMetrics();
    }
  };
}

async function project(record: SQSRecord, deps: StatusProjectorDeps): Promise<void> {
  const event = await followClaimCheck(parseAvmonEvent(JSON.parse(record.body)), deps.claims);
  const { before, after } = await deps.store.applyAndCompare(event);
  // Counted on change only, so a redelivered event does not inflate the dashboard.
  if (event["detail-type"] === "Defect Detected") {
    const known = before?.defects.some((d) => d.alertId === event.detail.alertId) ?? false;
    if (!known) count(deps.metrics, METRIC.defectsDetected, DIMENSION.defectType, event.detail.defect.type);
  }
  if (after.status !== before?.status && isTerminal(after.status)) {
    count(deps.metrics, METRIC.jobsFinished, DIMENSION.status, after.status);
  }
}

function count(metrics: Metrics, name: string, dimension: string, value: string): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, 1);
}

let handle: ReturnType<typeof createStatusProjectorHandler> | undefined;

export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => {
  if (!handle) {
    const env = parseEnv(StatusProjectorEnv);
    handle = createStatusProjectorHandler({
      store: new DynamoJobStore({ client: documentClient(), tableName: env[ENV.jobTableName] }),
      claims: new S3ClaimStore({ client: s3Client(), bucket: env[ENV.ingestBucket] }),
      logger: createLambdaLogger("avmon-status-projector"),
      metrics: createLambdaMetrics("avmon-status-projector"),
    });
  }
  return handle(event);
};
