import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { dynamoStopRequestReader } from "../../core-service/src/adapters/aws/dynamodb-stop-requests.ts";
import { jobAccepted, jobCompleted, jobStarted } from "../../core-service/src/domain/events.ts";
import type { Resolver } from "../../core-service/src/security/ssrf-guard.ts";
import type { GroupQueue } from "../../edge-functions/shared/env.ts";
import { aReport } from "../support/avmon-events.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { apiEvent, ingestApiHandler } from "./support.ts";

const VIDEO_QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-video";
const AUDIO_QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-audio";
const GROUPS: GroupQueue[] = [
  { name: "video", queueUrl: VIDEO_QUEUE, detectors: ["black", "freeze", "blockiness"] },
  { name: "audio", queueUrl: AUDIO_QUEUE, detectors: ["silence", "clipping", "loudness"] },
];
const BUCKET = "avmon-ingest-bucket";
const dns: Resolver = async (host) => {
  const table: Record<string, string[]> = {
    "cdn.example.com": ["93.184.215.14"],
    "metadata.attacker.test": ["169.254.169.254"],
  };
  const found = table[host];
  if (!found) throw new Error(`ENOTFOUND ${host}`);
  return found;
};

const sqsMock = mockClient(SQSClient);
const eventsMock = mockClient(EventBridgeClient);
let dynamo: DynaliteServer;
let tableName: string;
let jobs: DynamoJobStore;
let handler: ReturnType<typeof ingestApiHandler>["handler"];

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo?.stop());

beforeEach(async () => {
  sqsMock.reset();
  eventsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: "m" });
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e" }] });
  tableName = await dynamo.createJobTable();
  let ids = 0;
  ({ handler, jobs } = ingestApiHandler({
    groups: GROUPS,
    sqs: new SQSClient({ region: "eu-west-1" }),
    eventBridge: new EventBridgeClient({ region: "eu-west-1" }),
    dynamo,
    tableName,
    ingestBucket: BUCKET,
    resolve: dns,
    newJobId: () => `job-${++ids}`,
  }));
});

const sentMessages = () =>
  sqsMock.commandCalls(SendMessageCommand).map((call) => ({
    queueUrl: call.args[0].input.QueueUrl,
    body: JSON.parse(call.args[0].input.MessageBody ?? "{}"),
  }));

describe("POST /v1/jobs", () => {
  it("queues a valid job to every detector group and announces Job Accepted", async () => {
    const response = await handler(
      apiEvent("POST", { body: { source: "https://cdn.example.com/live/master.m3u8", mode: "live" } }),
    );

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ jobId: "job-1", status: "queued" });
    const sent = sentMessages();
    expect(sent.map((m) => m.queueUrl).sort()).toEqual([AUDIO_QUEUE, VIDEO_QUEUE]);
    expect(sent.find((m) => m.queueUrl === VIDEO_QUEUE)?.body).toMatchObject({
      version: 1,
      jobId: "job-1",
      mode: "live",
      detectors: ["black", "freeze", "blockiness"],
    });
    const [put] = eventsMock.commandCalls(PutEventsCommand);
    const entry = put?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ EventBusName: "avmon", Source: "avmon", DetailType: "Job Accepted" });
    expect(JSON.parse(entry?.Detail ?? "{}").detectors).toHaveLength(6);
  });

  it("sends a job only to the groups that run the detectors it asks for, with their thresholds", async () => {
    await handler(
      apiEvent("POST", {
        body: {
          source: `s3://${BUCKET}/incoming/a.mp4`,
          detectors: ["loudness"],
          thresholds: { loudness: { target: -24 }, black: { pixelThreshold: 0.1 } },
        },
      }),
    );
    const sent = sentMessages();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.queueUrl).toBe(AUDIO_QUEUE);
    expect(sent[0]?.body).toMatchObject({
      detectors: ["loudness"],
      thresholds: { loudness: { target: -24 } },
    });
    expect(sent[0]?.body.thresholds.black).toBeUndefined();
  });

  it.each([
    [{ mode: "file" }, /^source:/],
    [{ source: "https://cdn.example.com/a.mp4", mode: "sometimes" }, /^mode:/],
    [{ source: "https://cdn.example.com/a.mp4", detectors: ["sparkles"] }, /^detectors\.0:/],
    [{ source: "https://cdn.example.com/a.mp4", colour: "blue" }, /colour/],
    ["{not json", /JSON/],
  ])("refuses %j with 400 naming the problem, and queues nothing", async (body, message) => {
    const response = await handler(apiEvent("POST", { body }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(message);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("returns the same job for a repeated Idempotency-Key with the same body, queueing it once", async () => {
    const body = { source: "https://cdn.example.com/a.mp4", labels: { channel: "one", region: "eu" } };
    const first = await handler(apiEvent("POST", { body, headers: { "Idempotency-Key": "k-1" } }));
    const reordered = { labels: { region: "eu", channel: "one" }, source: body.source };
    const repeat = await handler(
      apiEvent("POST", { body: reordered, headers: { "idempotency-key": "k-1" } }),
    );

    expect(repeat.statusCode).toBe(202);
    expect(JSON.parse(repeat.body).jobId).toBe(JSON.parse(first.body).jobId);
    expect(repeat.headers?.["idempotent-replayed"]).toBe("true");
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(2); // one per group, once
    // Every accepted answer is announced, the replay too: Job Accepted is at-least-once like every event.
    expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it("refuses the same Idempotency-Key with a different body", async () => {
    await handler(
      apiEvent("POST", {
        body: { source: "https://cdn.example.com/a.mp4" },
        headers: { "Idempotency-Key": "k-2" },
      }),
    );
    const reuse = await handler(
      apiEvent("POST", {
        body: { source: "https://cdn.example.com/b.mp4" },
        headers: { "Idempotency-Key": "k-2" },
      }),
    );
    expect(reuse.statusCode).toBe(422);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(2);
  });

  it("forgets the key when queueing fails, so the client's retry goes through", async () => {
    sqsMock.on(SendMessageCommand).rejectsOnce(new Error("ServiceUnavailable")).resolves({ MessageId: "m" });
    const request = apiEvent("POST", {
      body: { source: "https://cdn.example.com/a.mp4" },
      headers: { "Idempotency-Key": "k-3" },
    });
    expect((await handler(request)).statusCode).toBe(500);
    const retry = await handler(request);
    expect(retry.statusCode).toBe(202);
    expect(retry.headers?.["idempotent-replayed"]).toBeUndefined();
  });

  it.each([
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://169.254.170.2/v2/credentials/",
    "http://2852039166/",
    "http://0xA9FEA9FE/",
    "http://0251.0376.0251.0376/",
    "http://0x7f.0.0.1/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::a9fe:a9fe]/",
    "http://100.64.0.1/",
    "rtmp://0177.0.0.1/live",
    "srt://10.0.0.8:9000",
    "https://metadata.attacker.test/x.mp4",
    "file:///etc/passwd",
  ])("refuses the SSRF attempt %s with 400 and queues nothing", async (source) => {
    const response = await handler(apiEvent("POST", { body: { source } }));
    expect(response.statusCode).toBe(400);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("refuses S3 sources outside the stack's ingest bucket", async () => {
    const response = await handler(apiEvent("POST", { body: { source: "s3://someone-elses-bucket/a.mp4" } }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toContain(BUCKET);
  });

  it.each(["rtmp://cdn.example.com/live/channel1", "srt://cdn.example.com:9000"])(
    "accepts the live job %s, which the workers' ffmpeg reads",
    async (source) => {
      const response = await handler(apiEvent("POST", { body: { source, mode: "live" } }));
      expect(response.statusCode, response.body).toBe(202);
      expect(sentMessages().map((m) => m.body.source)).toEqual([source, source]);
    },
  );

  it.each(["rtmp://cdn.example.com/live/channel1", "srt://cdn.example.com:9000"])(
    "refuses the file job %s with 400: only live jobs read sockets",
    async (source) => {
      const response = await handler(apiEvent("POST", { body: { source, mode: "file" } }));
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).error).toMatch(/is a live protocol: only a live job/);
      expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    },
  );
});

describe("GET and DELETE /v1/jobs/{jobId}", () => {
  it("shows the projected status of a known job and 404 for an unknown one", async () => {
    await jobs.apply(
      jobAccepted("job-9", {
        source: "https://cdn.example.com/a.mp4",
        mode: "file",
        detectors: ["black"],
        labels: {},
      }),
    );
    await jobs.apply(jobStarted("job-9", { attempt: 1 }));

    const found = await handler(apiEvent("GET", { jobId: "job-9" }));
    expect(found.statusCode).toBe(200);
    expect(JSON.parse(found.body)).toMatchObject({ jobId: "job-9", status: "running" });
    const missing = await handler(apiEvent("GET", { jobId: "nope" }));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: "job nope not found", field: "jobId" });
  });

  it("records a stop request for a running job", async () => {
    await jobs.apply(jobStarted("job-live", { attempt: 1 }));

    const response = await handler(apiEvent("DELETE", { jobId: "job-live" }));
    expect(response.statusCode).toBe(202);
    expect(await dynamoStopRequestReader(dynamo.documents, tableName).isRequested("job-live")).toBe(true);
  });

  it("answers a DELETE of a finished job with its final status and records no stop request", async () => {
    await jobs.apply(jobStarted("job-done", { attempt: 1 }));
    await jobs.apply(jobCompleted("job-done", aReport([], 10)));

    const response = await handler(apiEvent("DELETE", { jobId: "job-done" }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ jobId: "job-done", status: "completed" });
    expect(await dynamoStopRequestReader(dynamo.documents, tableName).isRequested("job-done")).toBe(false);
  });
});
