import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEvent, SQSEvent } from "aws-lambda";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";

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
