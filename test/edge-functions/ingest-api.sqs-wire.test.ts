import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { dynamoStopRequests } from "../../core-service/src/adapters/aws/dynamodb-stop-requests.ts";
import { EventBridgeEventBus } from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { S3Evidence } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { QueueMessage } from "../../core-service/src/domain/job.ts";
import { createIngestApiHandler } from "../../edge-functions/ingest-api/handler.ts";
import { dynamoIdempotencyStore } from "../../edge-functions/shared/idempotency.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { fakeJobTable } from "./fake-table.ts";
import { apiEvent, quietMetrics, silentLambdaLogger } from "./support.ts";

let server: FauxqsServer;
const eventsMock = mockClient(EventBridgeClient);

beforeAll(async () => {
  server = await startFauxqsServer();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e" }] });
});
afterAll(async () => {
  await server?.stop();
  eventsMock.restore();
});

describe("ingest-api against a real SQS wire-protocol server", () => {
  it("puts one valid queue message per detector group on the groups' queues", async () => {
    const { client } = server;
    const video = (await client.send(new CreateQueueCommand({ QueueName: "jobs-video" }))).QueueUrl as string;
    const audio = (await client.send(new CreateQueueCommand({ QueueName: "jobs-audio" }))).QueueUrl as string;
    const table = fakeJobTable();
    const handler = createIngestApiHandler({
      groups: [
        { name: "video", queueUrl: video, detectors: ["black", "freeze"] },
        { name: "audio", queueUrl: audio, detectors: ["silence"] },
      ],
      send: (queueUrl, message) =>
        new SqsJobQueue({ client, queueUrl, visibilityTimeoutSeconds: 30 }).send(message),
      bus: new EventBridgeEventBus({
        client: new EventBridgeClient({ region: "us-east-1" }),
        busName: "avmon",
      }),
      idempotency: dynamoIdempotencyStore(table.client, "t"),
      jobs: new DynamoJobStore({ client: table.client, tableName: "t" }),
      stops: dynamoStopRequests(table.client, "t"),
      evidence: new S3Evidence({ client: new S3Client({ region: "eu-west-1" }), bucket: "avmon-ingest" }),
      ingestBucket: "avmon-ingest",
      logger: silentLambdaLogger(),
      metrics: quietMetrics(),
    });

    const response = await handler(
      apiEvent("POST", { body: { source: "s3://avmon-ingest/incoming/a.mp4", labels: { channel: "7" } } }),
    );
    expect(response.statusCode).toBe(202);
    const { jobId } = JSON.parse(response.body);

    for (const [queueUrl, detectors] of [
      [video, ["black", "freeze"]],
      [audio, ["silence"]],
    ] as const) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(Messages).toHaveLength(1);
      const message = QueueMessage.parse(JSON.parse(Messages[0]?.Body ?? ""));
      expect(message).toMatchObject({ jobId, detectors, labels: { channel: "7" }, mode: "file" });
    }
  });
});
