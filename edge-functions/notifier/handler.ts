import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { type DefectDetectedEvent, parseAvmonEvent } from "../../core-service/src/domain/events.ts";
import { documentClient } from "../shared/aws-clients.ts";
import { ENV, NotifierEnv, parseEnv } from "../shared/env.ts";
import { METRIC } from "../shared/metric-names.ts";
import { createLambdaLogger, createLambdaMetrics } from "../shared/powertools.ts";
import { processSqsBatch } from "../shared/sqs-batch.ts";
import { type AlertLedger, type Channel, dynamoAlertLedger } from "./alert-ledger.ts";
import { alertText } from "./message.ts";

export interface NotifierDeps {
  readonly ledger: AlertLedger;
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
  const take = await deps.ledger.take(alertId);
  if (take.kind === "already-sent") {
    deps.metrics.addMetric(METRIC.duplicateAlertsSkipped, MetricUnit.Count, 1);
    deps.logger.info("duplicate delivery, alert already sent", { alertId });
    return;
  }
  if (take.kind === "in-progress") throw new Error(`alert ${alertId} is being sent by another delivery`);
  const channels: Channel[] = deps.webhookUrl ? ["sns", "webhook"] : ["sns"];
  for (const channel of channels) {
    if (take.done.has(channel)) continue;
    await send(channel, event, deps);
    await deps.ledger.markSent(alertId, channel);
  }
  await deps.ledger.finish(alertId);
  deps.metrics.addMetric(METRIC.alertsSent, MetricUnit.Count, 1);
  deps.logger.info("alert sent", { alertId, jobId: event.detail.jobId, channels });
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
    handle = createNotifierHandler({
      ledger: dynamoAlertLedger(documentClient(), env[ENV.jobTableName]),
      sns: new SNSClient({}),
      topicArn: env[ENV.alertTopicArn],
      webhookUrl: secretId ? cachedSecret(new SecretsManagerClient({}), secretId) : undefined,
      logger: createLambdaLogger("avmon-notifier"),
      metrics: createLambdaMetrics("avmon-notifier"),
    });
  }
  return handle(event);
};
