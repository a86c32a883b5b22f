import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import {
  dynamoStopRequestReader,
  dynamoStopRequests,
} from "../../core-service/src/adapters/aws/dynamodb-stop-requests.ts";
import { defectCleared, defectDetected, jobAccepted } from "../../core-service/src/domain/events.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { StopRequestPoller } from "../../core-service/src/worker/stop-request-poller.ts";
import type { Worker } from "../../core-service/src/worker/worker.ts";
import { aDefect } from "../support/avmon-events.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import {
  aQueueMessage,
  endlessAnalyzer,
  scriptedAnalyzer,
  waitFor,
  workerHarness,
} from "./worker-harness.ts";

let dynamo: DynaliteServer;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo?.stop());

/** A fresh job table on the DynamoDB emulator; `gets()` lists the GetItem keys sent since. */
async function jobTable() {
  const name = await dynamo.createJobTable();
  const from = dynamo.sent.length;
  const gets = () =>
    dynamo.sent
      .slice(from)
      .filter((c) => c.command === "GetItemCommand")
      .map((c) => c.key);
  return { client: dynamo.documents, name, gets };
}

describe("the worker on AWS reading the job table", () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.halt()));
    workers.length = 0;
  });

  it("does not re-publish alerts that the table records from an earlier delivery", async () => {
    const table = await jobTable();
    const projector = new DynamoJobStore({ client: table.client, tableName: table.name });
    const message = aQueueMessage();
    const freeze = aDefect({ type: "freeze", start: 15, end: 19 });
    await projector.apply(jobAccepted(message.jobId, message));
    await projector.apply(defectDetected(message.jobId, freeze));
    await projector.apply(defectCleared(message.jobId, freeze));
    const { queue, events, createWorker } = workerHarness();
    const worker = createWorker(
      scriptedAnalyzer([
        { kind: "open", defect: freeze },
        { kind: "close", defect: freeze },
        { kind: "open", defect: aDefect({ type: "black", start: 40, end: 42 }) },
      ]),
      { jobStore: new DynamoJobStore({ client: table.client, tableName: table.name }) },
    );
    workers.push(worker);

    await queue.send(message);
    worker.start();
    await waitFor(() => events.some((e) => e["detail-type"] === "Job Completed"));

    const defectEvents = events.filter((e) => e["detail-type"].startsWith("Defect"));
    expect(defectEvents.map((e) => e["detail-type"])).toEqual(["Defect Detected"]);
    expect(defectEvents[0]?.detail).toMatchObject({ defect: { type: "black" } });
    expect(table.gets()[3]).toEqual({ pk: `JOB#${message.jobId}` });
  });
});

describe("stop requests on AWS", () => {
  it("stops a running job once DELETE has left its STOP item in the table", { timeout: 10_000 }, async () => {
    const table = await jobTable();
    const { queue, detailTypes, createWorker } = workerHarness();
    const endless = endlessAnalyzer();
    const worker = createWorker(endless.analyze);
    const poller = new StopRequestPoller({
      requests: dynamoStopRequestReader(table.client, table.name),
      jobs: worker,
      logger: silentLogger,
      intervalMs: 20,
    });
    const message = aQueueMessage();
    await queue.send(message);
    worker.start();
    poller.start();
    await endless.started;

    await dynamoStopRequests(table.client, table.name).request(message.jobId, new Date());
    await waitFor(() => worker.runningJobIds().length === 0);
    await poller.stop();
    await worker.stop(1000);

    expect(await dynamoStopRequestReader(table.client, table.name).isRequested(message.jobId)).toBe(true);
    expect(detailTypes(message.jobId)).toContain("Job Completed");
  });

  it("reads nothing while no job runs", async () => {
    const table = await jobTable();
    const poller = new StopRequestPoller({
      requests: dynamoStopRequestReader(table.client, table.name),
      jobs: { runningJobIds: () => [], stopJob: () => false },
      logger: silentLogger,
    });

    await poller.poll();

    expect(table.gets()).toHaveLength(0);
  });

  it("leaves a running job alone when its STOP item is absent", async () => {
    const table = await jobTable();
    const stopped: string[] = [];
    const poller = new StopRequestPoller({
      requests: dynamoStopRequestReader(table.client, table.name),
      jobs: { runningJobIds: () => ["job-1"], stopJob: (id) => stopped.push(id) > 0 },
      logger: silentLogger,
    });

    await poller.poll();

    expect(stopped).toEqual([]);
    expect(table.gets()[0]).toEqual({ pk: "STOP#job-1" });
  });
});
