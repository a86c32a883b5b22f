/**
 * `GET /v1/jobs` on AWS: the status projector's DynamoJobStore writes job items, the ingest-api Lambda lists
 * them from the table's listing index, both against dynalite (DynamoDB's wire protocol, on loopback).
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { jobAccepted } from "../../core-service/src/domain/events.ts";
import type { JobPage } from "../../core-service/src/domain/job-listing.ts";
import { createStatusProjectorHandler } from "../../edge-functions/status-projector/handler.ts";
import { describeJobListingContract } from "../contract/job-listing.contract.ts";
import { at } from "../support/avmon-events.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { scratchClaimStore } from "../support/scratch-dirs.ts";
import { apiEvent, ingestApiHandler, quietMetrics, silentLambdaLogger, sqsBatch } from "./support.ts";

const NOWHERE = "http://127.0.0.1:9";

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
      claims: scratchClaimStore(),
      logger: silentLambdaLogger(),
      metrics: quietMetrics(),
    });
    const { handler: api } = ingestApiHandler({
      groups: [{ name: "all", queueUrl: NOWHERE, detectors: ["black"] }],
      // A listing must not queue or publish anything: both clients point at a closed port.
      sqs: new SQSClient({ endpoint: NOWHERE, region: "us-east-1", maxAttempts: 1 }),
      eventBridge: new EventBridgeClient({ endpoint: NOWHERE, region: "us-east-1", maxAttempts: 1 }),
      dynamo: dynalite,
      tableName,
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
