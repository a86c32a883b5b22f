import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEvent, SQSEvent } from "aws-lambda";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { EventBridgeEventBus } from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { S3Evidence } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import type { Resolver } from "../../core-service/src/security/ssrf-guard.ts";
import { createIngestApiHandler } from "../../edge-functions/ingest-api/handler.ts";
import { awsSourceCheck } from "../../edge-functions/ingest-api/source-policy.ts";
import { awsIntake } from "../../edge-functions/shared/aws-intake.ts";
import { FUNCTION_TIMEOUT_SECONDS, type GroupQueue } from "../../edge-functions/shared/env.ts";
import type { DynaliteServer } from "../support/dynalite-server.ts";
import { scratchParkingLot } from "../support/scratch-dirs.ts";

export const silentLambdaLogger = () => new Logger({ serviceName: "test", logLevel: "SILENT" });

/** Metrics that record what was added but print nothing. */
export function quietMetrics(): Metrics {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  return new Metrics({ namespace: "avmon", serviceName: "test" });
}

export function apiEvent(
  method: string,
  options: { body?: unknown; jobId?: string; headers?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  const path = options.jobId ? `/v1/jobs/${options.jobId}` : "/v1/jobs";
  return {
    httpMethod: method,
    path,
    resource: options.jobId ? "/v1/jobs/{jobId}" : "/v1/jobs",
    headers: options.headers ?? {},
    multiValueHeaders: {},
    body:
      options.body === undefined
        ? null
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body),
    isBase64Encoded: false,
    pathParameters: options.jobId ? { jobId: options.jobId } : null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: "req-1" } as APIGatewayProxyEvent["requestContext"],
  };
}

/** An SQS batch as an EventBridge rule's SQS target delivers it: each body is the whole event. */
export function sqsBatch(events: readonly (AvmonEvent | string)[]): SQSEvent {
  return {
    Records: events.map((event, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: typeof event === "string" ? event : JSON.stringify(event),
      attributes: {} as SQSEvent["Records"][number]["attributes"],
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:buffer",
      awsRegion: "eu-west-1",
    })),
  };
}

export interface IngestApiSetup {
  readonly groups: readonly GroupQueue[];
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  /** The DynamoDB emulator and a table on it: idempotency records, job views and stop requests. */
  readonly dynamo: DynaliteServer;
  readonly tableName: string;
  readonly ingestBucket?: string;
  /** Where evidence links are presigned for (fauxqs's S3 in the tests that follow them). */
  readonly s3?: S3Client;
  readonly resolve?: Resolver;
  readonly newJobId?: () => string;
}

/** The ingest Lambda's handler wired as `fromEnvironment` wires it, on the given clients. */
export function ingestApiHandler(setup: IngestApiSetup) {
  const bus = new EventBridgeEventBus({
    client: setup.eventBridge,
    busName: "avmon",
    parking: scratchParkingLot(),
  });
  const jobs = new DynamoJobStore({ client: setup.dynamo.documents, tableName: setup.tableName });
  const ingestBucket = setup.ingestBucket ?? "avmon-ingest";
  const handler = createIngestApiHandler({
    intake: awsIntake({
      groups: setup.groups,
      sqs: setup.sqs,
      bus,
      dynamo: setup.dynamo.client,
      documents: setup.dynamo.documents,
      tableName: setup.tableName,
      scope: "api",
      inProgressSeconds: FUNCTION_TIMEOUT_SECONDS["ingest-api"],
      checkSource: awsSourceCheck(ingestBucket, setup.resolve),
      ...(setup.newJobId && { newJobId: setup.newJobId }),
    }),
    jobs,
    bus,
    evidence: new S3Evidence({
      client: setup.s3 ?? new S3Client({ region: "eu-west-1" }),
      bucket: ingestBucket,
    }),
    logger: silentLambdaLogger(),
    metrics: quietMetrics(),
  });
  return { handler, jobs, bus };
}
