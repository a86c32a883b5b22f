import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoStopRequestReader } from "../../core-service/src/adapters/aws/dynamodb-stop-requests.ts";
import { QueueMessage } from "../../core-service/src/domain/job.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { apiEvent, ingestApiHandler } from "./support.ts";

let server: FauxqsServer;
let dynamo: DynaliteServer;
const eventsMock = mockClient(EventBridgeClient);

beforeAll(async () => {
  server = await startFauxqsServer();
  dynamo = await startDynalite();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e" }] });
});
afterAll(async () => {
  await server?.stop();
  await dynamo?.stop();
  eventsMock.restore();
});

describe("ingest-api against a real SQS wire-protocol server", () => {
  it("puts one valid queue message per detector group on the groups' queues", async () => {
    const { client } = server;
    const video = (await client.send(new CreateQueueCommand({ QueueName: "jobs-video" }))).QueueUrl as string;
    const audio = (await client.send(new CreateQueueCommand({ QueueName: "jobs-audio" }))).QueueUrl as string;
    const { handler } = ingestApiHandler({
      groups: [
        { name: "video", queueUrl: video, detectors: ["black", "freeze"] },
        { name: "audio", queueUrl: audio, detectors: ["silence"] },
      ],
      sqs: client,
      eventBridge: new EventBridgeClient({ region: "us-east-1" }),
      dynamo,
      tableName: await dynamo.createJobTable(),
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

  it("stops the copy one group's queue took when another group's queue refuses the job, answering no id", async () => {
    const { client } = server;
    const video = (await client.send(new CreateQueueCommand({ QueueName: "half-video" }))).QueueUrl as string;
    const missing = video.replace("half-video", "half-audio-never-created");
    const tableName = await dynamo.createJobTable();
    const { handler } = ingestApiHandler({
      groups: [
        { name: "video", queueUrl: video, detectors: ["black"] },
        { name: "audio", queueUrl: missing, detectors: ["silence"] },
      ],
      sqs: client,
      eventBridge: new EventBridgeClient({ region: "us-east-1" }),
      dynamo,
      tableName,
    });

    const response = await handler(
      apiEvent("POST", { body: { source: "s3://avmon-ingest/incoming/a.mp4" } }),
    );

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body).jobId).toBeUndefined();
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: video, WaitTimeSeconds: 1 }),
    );
    const { jobId } = QueueMessage.parse(JSON.parse(Messages[0]?.Body ?? ""));
    expect(await dynamoStopRequestReader(dynamo.documents, tableName).isRequested(jobId)).toBe(true);
  });
});
