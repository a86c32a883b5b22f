import { randomUUID } from "node:crypto";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dynamoIdempotency } from "../../core-service/src/adapters/aws/dynamodb-idempotency.ts";
import { defectDetected } from "../../core-service/src/domain/events.ts";
import { createNotifierHandler } from "../../edge-functions/notifier/handler.ts";
import {
  apiEvent,
  ingestApiHandler,
  quietMetrics,
  silentLambdaLogger,
  sqsBatch,
} from "../edge-functions/support.ts";
import { anOpenDefect } from "../support/avmon-events.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { holdRequests } from "../support/held-requests.ts";

// Issue 10, case 8: the ingest Lambda stored the key before the enqueue, so a concurrent duplicate got the
// first request's jobId, and when that enqueue failed the duplicate held a job that never existed. The
// notifier's ledger had the same shape. Both now use Powertools idempotency on a real DynamoDB wire protocol.
const DUPLICATES = 6;
let fauxqs: FauxqsServer;
let dynamo: DynaliteServer;
const eventsMock = mockClient(EventBridgeClient);
const snsMock = mockClient(SNSClient);

beforeAll(async () => {
  [fauxqs, dynamo] = await Promise.all([startFauxqsServer(), startDynalite()]);
});
afterAll(async () => {
  eventsMock.restore();
  snsMock.restore();
  await Promise.all([fauxqs?.stop(), dynamo?.stop()]);
});
beforeEach(() => {
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e" }] });
  snsMock.reset();
});

/** An ingest handler on a fresh fauxqs queue and dynalite table, its SendMessage requests held on demand. */
async function ingestWithHeldSends() {
  const queueName = `jobs-${randomUUID()}`;
  const createQueue = async () =>
    (await fauxqs.client.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl as string;
  const queueUrl = await createQueue();
  const sqs = new SQSClient({
    endpoint: fauxqs.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  const sends = holdRequests(sqs, "SendMessageCommand");
  const tableName = await dynamo.createJobTable();
  const { handler } = ingestApiHandler({
    groups: [{ name: "all", queueUrl, detectors: ["black", "silence"] }],
    sqs,
    eventBridge: new EventBridgeClient({ region: "eu-west-1" }),
    dynamo,
    tableName,
    ingestBucket: "avmon-ingest",
  });
  const post = async (key: string) => {
    const result = await handler(
      apiEvent("POST", {
        body: { source: "s3://avmon-ingest/incoming/a.mp4" },
        headers: { "Idempotency-Key": key },
      }),
    );
    return { status: result.statusCode, body: JSON.parse(result.body), headers: result.headers ?? {} };
  };
  const queuedJobIds = async () => {
    const { Messages = [] } = await fauxqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    return Messages.map((m) => JSON.parse(m.Body ?? "{}").jobId);
  };
  const idempotencyRecords = async () => {
    const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
    return Items.filter((item) => item.pk?.S?.startsWith("IDEMPOTENCY#"));
  };
  const deleteQueue = () => fauxqs.client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  return { post, sends, queuedJobIds, idempotencyRecords, deleteQueue, createQueue };
}

describe("POST /v1/jobs with concurrent duplicates (ingest Lambda, DynamoDB wire protocol)", () => {
  it("tells duplicates that arrive while the first is being queued to retry, and gives none of them a job id", async () => {
    const ingest = await ingestWithHeldSends();
    const first = ingest.post("k-1");
    await ingest.sends.held;

    const duplicates = await Promise.all(Array.from({ length: DUPLICATES }, () => ingest.post("k-1")));
    ingest.sends.release();
    const firstAnswer = await first;

    for (const duplicate of duplicates) {
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.jobId).toBeUndefined();
      expect(duplicate.headers["retry-after"]).toBe("1");
    }
    expect(firstAnswer.status).toBe(202);
    expect(await ingest.queuedJobIds()).toEqual([firstAnswer.body.jobId]);
    const retry = await ingest.post("k-1");
    expect(retry).toMatchObject({ status: 202, body: { jobId: firstAnswer.body.jobId } });
  });

  it("answers no job id to anyone when the enqueue fails, leaves no record, and a later retry succeeds", async () => {
    const ingest = await ingestWithHeldSends();
    await ingest.deleteQueue();
    const first = ingest.post("k-2");
    await ingest.sends.held;

    const duplicates = await Promise.all(Array.from({ length: DUPLICATES }, () => ingest.post("k-2")));
    ingest.sends.release();
    const failed = await first;

    for (const answer of [failed, ...duplicates]) expect(answer.body.jobId).toBeUndefined();
    expect(failed.status).toBe(500);
    expect(await ingest.idempotencyRecords()).toEqual([]);

    await ingest.createQueue();
    const retry = await ingest.post("k-2");
    expect(retry.status).toBe(202);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(await ingest.queuedJobIds()).toEqual([retry.body.jobId]);
  });
});

describe("the notifier's record of sent alerts (DynamoDB wire protocol)", () => {
  it("leaves nothing behind when a send fails, so the next delivery sends the alert at once", async () => {
    const tableName = await dynamo.createJobTable();
    const sns = dynamoIdempotency({
      client: dynamo.client,
      tableName,
      scope: "alert-sns",
      inProgressSeconds: 30,
    });
    const webhook = dynamoIdempotency({
      client: dynamo.client,
      tableName,
      scope: "alert-webhook",
      inProgressSeconds: 30,
    });
    const handler = createNotifierHandler({
      sent: { sns, webhook },
      sns: new SNSClient({ region: "eu-west-1" }),
      topicArn: "arn:aws:sns:eu-west-1:123456789012:avmon-alerts",
      logger: silentLambdaLogger(),
      metrics: quietMetrics(),
    });
    snsMock.on(PublishCommand).rejectsOnce(new Error("Throttling")).resolves({ MessageId: "sns-1" });
    const event = defectDetected("job-1", anOpenDefect({ type: "freeze", start: 15 }));

    const first = await handler(sqsBatch([event]));
    const redelivered = await handler(sqsBatch([event]));

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: "m-0" }]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(2);
  });
});
