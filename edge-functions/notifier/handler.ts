import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { dynamoIdempotency } from "../../core-service/src/adapters/aws/dynamodb-idempotency.ts";
import { type DefectDetectedEvent, parseAvmonEvent } from "../../core-service/src/domain/events.ts";
import type { Idempotency } from "../../core-service/src/ports/idempotency.ts";
import { dynamoClient } from "../shared/aws-clients.ts";
import { ENV, FUNCTION_TIMEOUT_SECONDS, NotifierEnv, parseEnv } from "../shared/env.ts";
import { METRIC } from "../shared/metric-names.ts";
import { createLambdaLogger, createLambdaMetrics } from "../shared/powertools.ts";
import { processSqsBatch } from "../shared/sqs-batch.ts";
import { alertText } from "./message.ts";

export type Channel = "sns" | "webhook";

/** How long a sent alert is remembered: longer than any redelivery of the event can come. */
export const SENT_ALERT_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface NotifierDeps {
  /**
   * Which alerts went out, per channel (Powertools idempotency records): a redelivered `Defect Detected`
   * notifies nobody twice, and a delivery that failed half-way sends only the channels still missing.
   */
  readonly sent: Readonly<Record<Channel, Idempotency>>;
  readonly sns: SNSClient;
  readonly topicArn: string;
  /** Resolves the Slack-compatible webhook URL; absent when no webhook is configured. */
  readonly webhookUrl?: () => Promise<string>;
  readonly fetch?: typeof fetch;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** `Defect Detected` events (through the rule's SQS buffer) → one notification per alertId on each channel. */
export function createNotifierHandler(deps: NotifierDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    try {
      return await processSqsBatch(event, (record) => notify(record, deps), deps.logger);
    } finally {
      deps.metrics.publishStoredMetrics();
    }
  };
}

async function notify(record: SQSRecord, deps: NotifierDeps): Promise<void> {
  const event = parseAvmonEvent(JSON.parse(record.body));
  if (event["detail-type"] !== "Defect Detected") return;
  const { alertId } = event.detail;
  const channels: Channel[] = deps.webhookUrl ? ["sns", "webhook"] : ["sns"];
  // A replayed record answers an earlier delivery's token: that channel had already been sent.
  const delivery = randomUUID();
  const sentNow: Channel[] = [];
  for (const channel of channels) {
    const run = await deps.sent[channel].run(alertId, alertId, async () => {
      await send(channel, event, deps);
      return delivery;
    });
    // Thrown, so SQS redelivers this record later, when the other delivery has finished or given up.
    if (run.kind !== "done")
      throw new Error(`alert ${alertId} is being sent on ${channel} by another delivery`);
    if (run.result === delivery) sentNow.push(channel);
  }
  if (sentNow.length === 0) {
    deps.metrics.addMetric(METRIC.duplicateAlertsSkipped, MetricUnit.Count, 1);
    deps.logger.info("duplicate delivery, alert already sent", { alertId });
    return;
  }
  deps.metrics.addMetric(METRIC.alertsSent, MetricUnit.Count, 1);
  deps.logger.info("alert sent", { alertId, jobId: event.detail.jobId, channels: sentNow });
}

async function send(channel: Channel, event: DefectDetectedEvent, deps: NotifierDeps): Promise<void> {
  const { subject, body } = alertText(event);
  if (channel === "sns") {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: subject,
        Message: body,
        MessageAttributes: {
          severity: { DataType: "String", StringValue: event.detail.defect.severity },
          defectType: { DataType: "String", StringValue: event.detail.defect.type },
        },
      }),
    );
    return;
  }
  const url = await (deps.webhookUrl as () => Promise<string>)();
  const response = await (deps.fetch ?? fetch)(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: `*${subject}*\n${body}` }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
}

/** Reads the webhook URL once per container; a rotated secret is picked up by new containers. */
export function cachedSecret(client: SecretsManagerClient, secretId: string): () => Promise<string> {
  let value: Promise<string> | undefined;
  return () => {
    value ??= client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
      if (!out.SecretString) throw new Error(`secret ${secretId} has no string value`);
      return out.SecretString.trim();
    });
    value.catch(() => {
      value = undefined;
    });
    return value;
  };
}

let handle: ReturnType<typeof createNotifierHandler> | undefined;

export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => {
  if (!handle) {
    const env = parseEnv(NotifierEnv);
    const secretId = env[ENV.webhookSecretId];
    const dynamo = dynamoClient();
    const sentOn = (channel: Channel) =>
      dynamoIdempotency({
        client: dynamo,
        tableName: env[ENV.jobTableName],
        scope: `alert-${channel}`,
        ttlSeconds: SENT_ALERT_TTL_SECONDS,
        inProgressSeconds: FUNCTION_TIMEOUT_SECONDS.notifier,
      });
    handle = createNotifierHandler({
      sent: { sns: sentOn("sns"), webhook: sentOn("webhook") },
      sns: new SNSClient({}),
      topicArn: env[ENV.alertTopicArn],
      webhookUrl: secretId ? cachedSecret(new SecretsManagerClient({}), secretId) : undefined,
      logger: createLambdaLogger("avmon-notifier"),
      metrics: createLambdaMetrics("avmon-notifier"),
    });
  }
  return handle(event);
};
