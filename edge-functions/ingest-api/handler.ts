import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { S3Evidence } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import {
  INTERNAL_ERROR,
  malformedJsonMessage,
  refusal,
  stopAnswer,
  submitAnswer,
} from "../../core-service/src/intake/http-answers.ts";
import type { Intake } from "../../core-service/src/intake/intake.ts";
import type { EventBus } from "../../core-service/src/ports/event-bus.ts";
import type { JobStore } from "../../core-service/src/ports/job-store.ts";
import { documentClient, dynamoClient, s3Client, sqsClient } from "../shared/aws-clients.ts";
import { awsIntake } from "../shared/aws-intake.ts";
import { ENV, FUNCTION_TIMEOUT_SECONDS, IngestEnv, parseEnv } from "../shared/env.ts";
import { lambdaEventBus } from "../shared/event-bus.ts";
import { answer, header } from "../shared/http.ts";
import { METRIC } from "../shared/metric-names.ts";
import { createLambdaLogger, createLambdaMetrics } from "../shared/powertools.ts";
import { type EvidenceLinks, getEvidence } from "./get-evidence.ts";
import { listJobs } from "./list-jobs.ts";
import { awsSourceCheck } from "./source-policy.ts";

export interface IngestApiDeps {
  /** Validation, idempotency, queueing, Job Accepted and stop: the use case the local API shares. */
  readonly intake: Intake;
  readonly jobs: JobStore;
  /** Flushed before every answer, so no Job Accepted is left in a buffer when the function freezes. */
  readonly bus: EventBus;
  /** Presigned links to the evidence images the worker wrote to the ingest bucket. */
  readonly evidence: EvidenceLinks;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

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
      return answer(refusal(405, `${event.httpMethod} ${event.path} is not supported`));
    } catch (error) {
      deps.logger.error("request failed", { error });
      return answer(refusal(500, INTERNAL_ERROR));
    } finally {
      deps.metrics.publishStoredMetrics();
    }
  };
}

async function postJob(event: APIGatewayProxyEvent, deps: IngestApiDeps): Promise<APIGatewayProxyResult> {
  const body = parseBody(event);
  if (!body.ok) return answer(refusal(400, malformedJsonMessage(body.detail), "body"));
  const outcome = await deps.intake.submit(body.value, header(event.headers, "idempotency-key"));
  await deps.bus.flush();
  if (outcome.kind === "accepted" && !outcome.replayed) {
    deps.metrics.addMetric(METRIC.jobsAccepted, MetricUnit.Count, 1);
    deps.logger.info("job accepted", { jobId: outcome.jobId });
  }
  return answer(submitAnswer(outcome));
}

/** API Gateway hands the body over as text (base64 for binary media types); no body is no JSON value. */
function parseBody(
  event: APIGatewayProxyEvent,
): { ok: true; value: unknown } | { ok: false; detail: string } {
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : event.body;
  if (text === null || text.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

async function getJob(jobId: string, deps: IngestApiDeps): Promise<APIGatewayProxyResult> {
  const view = await deps.jobs.get(jobId);
  return answer(
    view ? { status: 200, body: view, headers: {} } : refusal(404, `job ${jobId} not found`, "jobId"),
  );
}

async function deleteJob(jobId: string, deps: IngestApiDeps): Promise<APIGatewayProxyResult> {
  const outcome = await deps.intake.stop(jobId);
  if (outcome.kind === "stopping") deps.logger.info("stop requested", { jobId });
  return answer(stopAnswer(outcome));
}

function fromEnvironment(): IngestApiDeps {
  const env = parseEnv(IngestEnv);
  const dynamo = dynamoClient();
  const documents = documentClient(dynamo);
  const metrics = createLambdaMetrics("avmon-ingest-api");
  const bus = lambdaEventBus(env[ENV.eventBusName], env[ENV.ingestBucket], metrics);
  return {
    intake: awsIntake({
      groups: env[ENV.groupQueues],
      sqs: sqsClient(),
      bus,
      dynamo,
      documents,
      tableName: env[ENV.jobTableName],
      scope: "api",
      inProgressSeconds: FUNCTION_TIMEOUT_SECONDS["ingest-api"],
      checkSource: awsSourceCheck(env[ENV.ingestBucket]),
    }),
    jobs: new DynamoJobStore({ client: documents, tableName: env[ENV.jobTableName] }),
    bus,
    evidence: new S3Evidence({ client: s3Client(), bucket: env[ENV.ingestBucket] }),
    logger: createLambdaLogger("avmon-ingest-api"),
    metrics,
  };
}

let handle: ReturnType<typeof createIngestApiHandler> | undefined;

export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  handle ??= createIngestApiHandler(fromEnvironment());
  return handle(event);
};
