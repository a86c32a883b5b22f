import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { dynamoIdempotency } from "../../core-service/src/adapters/aws/dynamodb-idempotency.ts";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { defectDetected, jobStarted } from "../../core-service/src/domain/events.ts";
import { type Channel, createNotifierHandler } from "../../edge-functions/notifier/handler.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { quietMetrics, silentLambdaLogger, sqsBatch } from "./support.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:avmon-alerts";
const freeze: Defect = {
  type: "freeze",
  start: 15,
  severity: "major",
  confidence: 0.97,
  metrics: { meanDifference: 0.02 },
};
const snsMock = mockClient(SNSClient);
let dynamo: DynaliteServer;
let tableName: string;
const webhook = vi.fn<typeof fetch>();

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo?.stop());

function sentOn(channel: Channel) {
  return dynamoIdempotency({
    client: dynamo.client,
    tableName,
    scope: `alert-${channel}`,
    inProgressSeconds: 30,
  });
}

function notifier(withWebhook: boolean) {
  return createNotifierHandler({
    sent: { sns: sentOn("sns"), webhook: sentOn("webhook") },
    sns: new SNSClient({ region: "eu-west-1" }),
    topicArn: TOPIC,
    webhookUrl: withWebhook ? async () => "https://hooks.example.com/T000/B000" : undefined,
    fetch: webhook,
    logger: silentLambdaLogger(),
    metrics: quietMetrics(),
  });
}

beforeEach(async () => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "sns-1" });
  webhook.mockReset();
  webhook.mockResolvedValue(new Response("ok", { status: 200 }));
  tableName = await dynamo.createJobTable();
});

describe("notifier", () => {
  it("publishes a Defect Detected alert to the SNS topic with severity and type attributes", async () => {
    const result = await notifier(false)(sqsBatch([defectDetected("job-1", freeze)]));

    expect(result.batchItemFailures).toEqual([]);
    const [call] = snsMock.commandCalls(PublishCommand);
    expect(call?.args[0].input).toMatchObject({
      TopicArn: TOPIC,
      Subject: "avmon major: freeze in job job-1",
      MessageAttributes: { severity: { StringValue: "major" }, defectType: { StringValue: "freeze" } },
    });
    expect(call?.args[0].input.Message).toContain("15.0 s");
  });

  it("notifies once when EventBridge delivers the same alert twice, in one batch or in two", async () => {
    const event = defectDetected("job-1", freeze);
    const again = { ...event, id: "another-delivery-id" };
    const handler = notifier(true);

    await handler(sqsBatch([event, again]));
    await handler(sqsBatch([event]));

    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    expect(webhook).toHaveBeenCalledTimes(1);
  });

  it("posts a Slack-compatible message to the webhook", async () => {
    await notifier(true)(sqsBatch([defectDetected("job-1", freeze)]));
    const [url, init] = webhook.mock.calls[0] ?? [];
    expect(url).toBe("https://hooks.example.com/T000/B000");
    expect(JSON.parse(String(init?.body))).toEqual({
      text: expect.stringContaining("*avmon major: freeze in job job-1*"),
    });
  });

  it("reports a failed send as a batch item failure and, on retry, sends only what did not go out", async () => {
    webhook.mockResolvedValueOnce(new Response("nope", { status: 500 }));
    const handler = notifier(true);
    const batch = sqsBatch([defectDetected("job-1", freeze), defectDetected("job-2", freeze)]);

    const first = await handler(batch);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: "m-0" }]);

    const retry = await handler(sqsBatch([defectDetected("job-1", freeze)]));
    expect(retry.batchItemFailures).toEqual([]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(2); // job-1 once, job-2 once
    expect(webhook).toHaveBeenCalledTimes(3);
  });

  it("leaves an alert another delivery is still sending to be retried, without sending it", async () => {
    let finishFirstSend: () => void = () => {};
    snsMock.on(PublishCommand).callsFakeOnce(
      () =>
        new Promise((resolve) => {
          finishFirstSend = () => resolve({ MessageId: "sns-1" });
        }),
    );
    const event = defectDetected("job-1", freeze);
    const handler = notifier(false);
    const first = handler(sqsBatch([event]));
    await vi.waitFor(() => expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1));

    const second = await handler(sqsBatch([{ ...event, id: "another-delivery-id" }]));
    finishFirstSend();

    expect(second.batchItemFailures).toEqual([{ itemIdentifier: "m-0" }]);
    expect((await first).batchItemFailures).toEqual([]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it("ignores other event types and fails malformed records only", async () => {
    const result = await notifier(false)(sqsBatch([jobStarted("job-1", { attempt: 1 }), "{oops"]));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
