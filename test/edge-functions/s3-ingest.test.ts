import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EventBridgeEventBus } from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { awsSourceCheck } from "../../edge-functions/ingest-api/source-policy.ts";
import { createS3IngestHandler } from "../../edge-functions/s3-ingest/handler.ts";
import { awsIntake } from "../../edge-functions/shared/aws-intake.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { scratchParkingLot } from "../support/scratch-dirs.ts";
import { quietMetrics, silentLambdaLogger } from "./support.ts";

const BUCKET = "avmon-ingest-bucket";
const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-all";
const sqsMock = mockClient(SQSClient);
const eventsMock = mockClient(EventBridgeClient);
let handler: ReturnType<typeof createS3IngestHandler>;

function objectCreated(key: string, sequencer = "0062A1B2C3", bucket = BUCKET): S3Event {
  return {
    Records: [
      {
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: bucket }, object: { key, sequencer, size: 1234, eTag: "abc" } },
      } as S3Event["Records"][number],
    ],
  };
}

let dynamo: DynaliteServer;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo?.stop());

beforeEach(async () => {
  sqsMock.reset();
  eventsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: "m" });
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e" }] });
  let ids = 0;
  const bus = new EventBridgeEventBus({
    client: new EventBridgeClient({ region: "eu-west-1" }),
    busName: "avmon",
    parking: scratchParkingLot(),
  });
  handler = createS3IngestHandler({
    intake: awsIntake({
      groups: [{ name: "all", queueUrl: QUEUE, detectors: ["black", "silence"] }],
      sqs: new SQSClient({ region: "eu-west-1" }),
      bus,
      dynamo: dynamo.client,
      documents: dynamo.documents,
      tableName: await dynamo.createJobTable(),
      scope: "s3",
      inProgressSeconds: 15,
      checkSource: awsSourceCheck(BUCKET),
      newJobId: () => `job-${++ids}`,
    }),
    bus,
    bucket: BUCKET,
    prefix: "incoming/",
    logger: silentLambdaLogger(),
    metrics: quietMetrics(),
  });
});

const queuedBodies = () =>
  sqsMock.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody ?? "{}"));

describe("s3-ingest", () => {
  it("turns an upload under the prefix into a file job on the S3 object, with its key decoded", async () => {
    await handler(objectCreated("incoming/news+at+ten%C3%A9.mp4"));
    expect(queuedBodies()).toEqual([
      expect.objectContaining({
        jobId: "job-1",
        source: `s3://${BUCKET}/incoming/news at tené.mp4`,
        mode: "file",
        detectors: ["black", "silence"],
      }),
    ]);
    expect(eventsMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType).toBe(
      "Job Accepted",
    );
  });

  it("starts one job when S3 delivers the same notification twice", async () => {
    await handler(objectCreated("incoming/a.mp4", "00AA"));
    await handler(objectCreated("incoming/a.mp4", "00AA"));
    expect(queuedBodies()).toHaveLength(1);
  });

  it("starts a new job when the same key is uploaded again", async () => {
    await handler(objectCreated("incoming/a.mp4", "00AA"));
    await handler(objectCreated("incoming/a.mp4", "00BB"));
    expect(queuedBodies().map((b) => b.jobId)).toEqual(["job-1", "job-2"]);
  });

  it("ignores objects outside the prefix and folder markers", async () => {
    await handler(objectCreated("reports/summary.json"));
    await handler(objectCreated("incoming/folder/"));
    await handler(objectCreated("incoming/a.mp4", "1", "another-bucket"));
    expect(queuedBodies()).toHaveLength(0);
  });

  it("fails the invocation when the queue is down, so Lambda retries and then dead-letters it", async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error("ServiceUnavailable"));
    await expect(handler(objectCreated("incoming/a.mp4"))).rejects.toThrow(/ServiceUnavailable/);
  });
});
