import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { z } from "zod";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { dynamoStopRequests } from "../../core-service/src/adapters/aws/dynamodb-stop-requests.ts";
import { EventBridgeEventBus } from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { S3Evidence } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { JobRequest } from "../../core-service/src/domain/job.ts";
import type { JobStore } from "../../core-service/src/ports/job-store.ts";
import type { StopRequests } from "../../core-service/src/ports/stop-requests.ts";
import type { Resolver } from "../../core-service/src/security/ssrf-guard.ts";
import { documentClient, eventBridgeClient, s3Client, sqsClient } from "../shared/aws-clients.ts";
import { ENV, IngestEnv, parseEnv } from "../shared/env.ts";
import { header, json, problem } from "../shared/http.ts";
import { dynamoIdempotencyStore } from "../shared/idempotency.ts";
import { METRIC } from "../shared/metric-names.ts";
import { createLambdaLogger, createLambdaMetrics } from "../shared/powertools.ts";
import { type AcceptJobDeps, acceptJob } from "./accept-job.ts";
import { type EvidenceLinks, getEvidence } from "./get-evidence.ts";
import { listJobs } from "./list-jobs.ts";
import { checkJobSource } from "./source-policy.ts";

export interface IngestApiDeps extends Omit<AcceptJobDeps, "checkSource"> {
  readonly jobs: JobStore;
  readonly stops: StopRequests;
  readonly evidence: EvidenceLinks;
  readonly ingestBucket: string;
  readonly resolve?: Resolver;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * `POST /v1/jobs`, `GET /v1/jobs`, `GET /v1/jobs/{jobId}`, `DELETE /v1/jobs/{jobId}` and
 * `GET /v1/jobs/{jobId}/evidence/{alertId}` behind API Gateway (REST, proxy).
 */
export function createIngestApiHandler(deps: IngestApiDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    deps.logger.appendKeys({ requestId: event.requestContext?.requestId });
    try {
      const jobId = event.pathParameters?.jobId;
      const alertId = event.pathParameters?.alertId;
      if (event.httpMethod === "GET" && jobId && alertId) return await getEvidence(jobId, alertId, deps);
      if (event.httpMethod === "GET" && !jobId) return await listJobs(event, deps.jobs);
      if (event.httpMethod === "POST" && !jobId) return await postJob(event, deps);
      if (event.httpMethod === "GET" && jobId) return await getJob(jobId, deps);
      if (event.httpMethod === "DELETE" && jobId) return await deleteJob(jobId, deps);
      return problem(405, `${event.httpMethod} ${event.path} is not supported`);
    } catch (error) {
      deps.logger.error("request failed", { error });
      return problem(500, "internal error; the request can be retried with the same Idempotency-Key");
    } finally {
      deps.metrics.publishStoredMetrics();
    }
  };
}

async function postJob(event: APIGatewayProxyEvent, deps: IngestApiDeps): Promise<APIGatewayProxyResult> {
  const key = header(event.headers, "idempotency-key");
  if (key !== undefined && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    return problem(400, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  const body = parseBody(event);
  if (!body.ok) return problem(400, body.message);
  const outcome = await acceptJob(body.request, key, {
    ...deps,
    checkSource: (source) => checkJobSource(source, deps.ingestBucket, deps.resolve),
  });
  switch (outcome.kind) {
    case "accepted":
      deps.metrics.addMetric(METRIC.jobsAccepted, MetricUnit.Count, 1);
      deps.logger.info("job accepted", { jobId: outcome.jobId });
      return json(202, { jobId: outcome.jobId, status: "queued" });
    case "replayed":
      return json(202, { jobId: outcome.jobId, status: "queued" }, { "idempotent-replayed": "true" });
    case "key-reused":
      return problem(422, "Idempotency-Key was already used with a different request body");
    case "rejected":
      return problem(400, outcome.message);
  }
}

function parseBody(
  event: APIGatewayProxyEvent,
): { ok: true; request: JobRequest } | { ok: false; message: string } {
  let raw: unknown;
  try {
    const text = event.isBase64Encoded
      ? Buffer.from(event.body ?? "", "base64").toString("utf8")
      : event.body;
    raw = JSON.parse(text ?? "");
  } catch {
    return { ok: false, message: "body must be a JSON object" };
  }
  const parsed = JobRequest.safeParse(raw);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join(".") || "body";
  return { ok: false, message: `${field}: ${issue?.message ?? z.prettifyError(parsed.error)}` };
}

async function getJob(jobId: string, deps: IngestApiDeps): Promise<APIGatewayProxyResult> {
  const view = await deps.jobs.get(jobId);
  return view ? json(200, view) : problem(404, `job ${jobId} not found`);
}

async function deleteJob(jobId: string, deps: IngestApiDeps): Promise<APIGatewayProxyResult> {
  const view = await deps.jobs.get(jobId);
  if (!view) return problem(404, `job ${jobId} not found`);
  if (["completed", "failed", "stopped"].includes(view.status))
    return json(200, { jobId, status: view.status });
  await deps.stops.request(jobId, new Date());
  deps.logger.info("stop requested", { jobId });
  return json(202, { jobId, status: "stopping" });
}

function fromEnvironment(): IngestApiDeps {
  const env = parseEnv(IngestEnv);
  const sqs = sqsClient();
  const dynamo = documentClient();
  const logger = createLambdaLogger("avmon-ingest-api");
  const queues = new Map<string, SqsJobQueue>();
  const queueFor = (queueUrl: string) => {
    let queue = queues.get(queueUrl);
    if (!queue) {
      // Sending never uses the visibility timeout; the adapter requires one for receiving.
      queue = new SqsJobQueue({ client: sqs, queueUrl, visibilityTimeoutSeconds: 300 });
      queues.set(queueUrl, queue);
    }
    return queue;
  };
  return {
    groups: env[ENV.groupQueues],
    send: (queueUrl, message) => queueFor(queueUrl).send(message),
    bus: new EventBridgeEventBus({ client: eventBridgeClient(), busName: env[ENV.eventBusName] }),
    idempotency: dynamoIdempotencyStore(dynamo, env[ENV.jobTableName]),
    jobs: new DynamoJobStore({ client: dynamo, tableName: env[ENV.jobTableName] }),
    stops: dynamoStopRequests(dynamo, env[ENV.jobTableName]),
    evidence: new S3Evidence({ client: s3Client(), bucket: env[ENV.ingestBucket] }),
    ingestBucket: env[ENV.ingestBucket],
    logger,
    metrics: createLambdaMetrics("avmon-ingest-api"),
  };
}

let handle: ReturnType<typeof createIngestApiHandler> | undefined;

export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  handle ??= createIngestApiHandler(fromEnvironment());
  return handle(event);
};
