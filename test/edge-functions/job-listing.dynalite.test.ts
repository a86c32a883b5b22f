/**
 * `GET /v1/jobs` on AWS: the status projector's DynamoJobStore writes job items, the ingest-api Lambda lists
 * them from the table's listing index, both against dynalite (DynamoDB's wire protocol, on loopback).
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { dynamoStopRequests } from "../../core-service/src/adapters/aws/dynamodb-stop-requests.ts";
import { EventBridgeEventBus } from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { S3Evidence } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import { jobAccepted } from "../../core-service/src/domain/events.ts";
import type { JobPage } from "../../core-service/src/domain/job-listing.ts";
import { createIngestApiHandler } from "../../edge-functions/ingest-api/handler.ts";
import { dynamoIdempotencyStore } from "../../edge-functions/shared/idempotency.ts";
import { createStatusProjectorHandler } from "../../edge-functions/status-projector/handler.ts";
import { describeJobListingContract } from "../contract/job-listing.contract.ts";
import { at } from "../support/avmon-events.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { apiEvent, quietMetrics, silentLambdaLogger, sqsBatch } from "./support.ts";

let dynalite: DynaliteServer;

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite?.stop();
});

describeJobListingContract("DynamoDB listing index", async () => {
  return new DynamoJobStore({ client: dynalite.documents, tableName: await dynalite.createJobTable() });
});

describe("GET /v1/jobs on the ingest-api Lambda", () => {
  const listingRequest = (query: Record<string, string | string[]>) => {
    const event = apiEvent("GET");
    const single = Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? (v.at(-1) as string) : v]);
    const multi = Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]);
    return {
      ...event,
      queryStringParameters: Object.fromEntries(single),
      multiValueQueryStringParameters: Object.fromEntries(multi),
    };
  };

  async function stackOnTable() {
    const tableName = await dynalite.createJobTable();
    const store = new DynamoJobStore({ client: dynalite.documents, tableName });
    const projector = createStatusProjectorHandler({
      store,
      logger: silentLambdaLogger(),
      metrics: quietMetrics(),
    });
    const api = createIngestApiHandler({
      groups: [{ name: "all", queueUrl: "http://127.0.0.1:9/unused", detectors: ["black"] }],
      send: async () => {
        throw new Error("a listing must not queue anything");
      },
      bus: new EventBridgeEventBus({
        client: new EventBridgeClient({ region: "us-east-1" }),
        busName: "avmon",
      }),
      idempotency: dynamoIdempotencyStore(dynalite.documents, tableName),
      jobs: store,
      stops: dynamoStopRequests(dynalite.documents, tableName),
      evidence: new S3Evidence({ client: new S3Client({ region: "us-east-1" }), bucket: "avmon-ingest" }),
      ingestBucket: "avmon-ingest",
      logger: silentLambdaLogger(),
      metrics: quietMetrics(),
    });
    return { projector, api };
  }

  const job: Parameters<typeof jobAccepted>[1] = {
    source: "s3://avmon-ingest/incoming/a.mp4",
    mode: "file",
    detectors: ["black"],
    labels: {},
  };

  it("lists what the status projector wrote, newest first, page by page", async () => {
    const { projector, api } = await stackOnTable();
    const events = ["a", "b", "c"].map((jobId, i) => jobAccepted(jobId, job, at(i)));
    expect((await projector(sqsBatch(events))).batchItemFailures).toEqual([]);

    const first = await api(listingRequest({ limit: "2" }));
    const firstPage = JSON.parse(first.body) as JobPage;
    const second = await api(listingRequest({ limit: "2", cursor: firstPage.nextCursor ?? "" }));

    expect(first.statusCode).toBe(200);
    expect(first.headers?.["cache-control"]).toBe("no-store");
    expect(firstPage.jobs.map((j) => j.jobId)).toEqual(["c", "b"]);
    expect(firstPage.jobs[0]).toMatchObject({ status: "queued", source: job.source });
    expect(JSON.parse(second.body)).toEqual({ jobs: [expect.objectContaining({ jobId: "a" })] });
  });

  it.each([
    ["a limit of 0", { limit: "0" }, "limit"],
    ["a limit above the maximum", { limit: "101" }, "limit"],
    ["a limit that is not a number", { limit: "ten" }, "limit"],
    ["a cursor it never gave out", { cursor: "bm90LWEtY3Vyc29y" }, "cursor"],
    ["a repeated limit", { limit: ["2", "3"] }, "limit"],
    ["an unknown parameter", { status: "running" }, "status"],
  ])("answers %s with a 400 naming the parameter", async (_case, query, field) => {
    const { api } = await stackOnTable();

    const response = await api(listingRequest(query));

    expect(response.statusCode).toBe(400);
    expect((JSON.parse(response.body) as { error: string }).error).toMatch(new RegExp(`^${field}: `));
  });
});
