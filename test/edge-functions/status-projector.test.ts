import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import {
  defectDetected,
  jobAccepted,
  jobCompleted,
  jobProgress,
  jobStarted,
} from "../../core-service/src/domain/events.ts";
import type { Report } from "../../core-service/src/domain/report.ts";
import { createStatusProjectorHandler } from "../../edge-functions/status-projector/handler.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { scratchClaimStore } from "../support/scratch-dirs.ts";
import { quietMetrics, silentLambdaLogger, sqsBatch } from "./support.ts";

const black: Defect = { type: "black", start: 3, end: 5, severity: "major", confidence: 0.99, metrics: {} };
const report: Report = {
  source: "s3://b/a.mp4",
  media: { duration: 30 },
  defects: [black],
  stats: { videoFrames: 750, audioSeconds: 30, wallSeconds: 2, realtimeFactor: 15 },
};
let store: DynamoJobStore;
let metrics: ReturnType<typeof quietMetrics>;
let handler: ReturnType<typeof createStatusProjectorHandler>;

let dynamo: DynaliteServer;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo?.stop());

beforeEach(async () => {
  store = new DynamoJobStore({ client: dynamo.documents, tableName: await dynamo.createJobTable() });
  metrics = quietMetrics();
  handler = createStatusProjectorHandler({
    store,
    claims: scratchClaimStore(),
    logger: silentLambdaLogger(),
    metrics,
  });
});

describe("status-projector", () => {
  it("folds a job's events into the view GET /v1/jobs/{id} returns", async () => {
    const accepted = jobAccepted("job-1", {
      source: "s3://b/a.mp4",
      mode: "file",
      detectors: ["black"],
      labels: {},
    });
    const result = await handler(
      sqsBatch([
        accepted,
        jobStarted("job-1", { attempt: 1 }),
        defectDetected("job-1", black),
        jobCompleted("job-1", report),
      ]),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get("job-1")).toMatchObject({
      status: "completed",
      source: "s3://b/a.mp4",
      defects: [expect.objectContaining({ type: "black", start: 3 })],
      progress: { fraction: 1 },
    });
  });

  it("keeps a live job's profile, escalations and CPU from its latest Job Progress in the table", async () => {
    const usage = {
      profile: "economy" as const,
      escalated: false,
      escalations: { count: 0 },
      cpuSeconds: 1.5,
      cpuSecondsPerMediaHour: 180,
      mediaSeconds: 30,
    };
    const escalated = jobProgress("job-live", {
      streamTime: 41,
      live: { ...usage, escalated: true, escalations: { count: 1, lastCause: "still" }, cpuSeconds: 2 },
    });
    const earlier = jobProgress("job-live", { streamTime: 30, live: usage }, new Date(Date.now() - 10_000));
    const result = await handler(sqsBatch([jobStarted("job-live", { attempt: 1 }), escalated, earlier]));

    expect(result.batchItemFailures).toEqual([]);
    expect(await store.get("job-live")).toMatchObject({
      status: "running",
      profile: "economy",
      escalated: true,
      escalations: { count: 1, lastCause: "still" },
      cpuSeconds: 2,
      cpuSecondsPerMediaHour: 180,
      progress: { mediaSeconds: 41 },
    });
  });

  it("counts a defect once for the dashboard even when its event is delivered twice", async () => {
    const addMetric = vi.spyOn(metrics, "singleMetric");
    const detected = defectDetected("job-1", black);
    await handler(sqsBatch([detected, detected]));
    expect(addMetric).toHaveBeenCalledTimes(1);
  });

  it("fails only the record that is not an avmon event", async () => {
    const result = await handler(
      sqsBatch([jobStarted("job-2", { attempt: 1 }), JSON.stringify({ source: "other" })]),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    expect((await store.get("job-2"))?.status).toBe("running");
  });
});
