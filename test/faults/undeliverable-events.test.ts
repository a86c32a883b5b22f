/**
 * Faults: events that cannot be delivered are counted, kept where `avmon replay-events` finds them, and never
 * only logged; a Job Completed too large for EventBridge travels as a claim check that consumers follow.
 * EventBridge has no emulator: its SDK client is mocked (aws-sdk-client-mock); S3 is fauxqs on 127.0.0.1.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { UNDELIVERABLE_PREFIX } from "../../core-service/src/adapters/aws/event-store-layout.ts";
import { EventBridgeEventBus } from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { S3ClaimStore } from "../../core-service/src/adapters/aws/s3-claim-store.ts";
import { S3ParkingLot } from "../../core-service/src/adapters/aws/s3-parking-lot.ts";
import { DirectoryParkingLot } from "../../core-service/src/adapters/local/directory-parking-lot.ts";
import { replayParkedEvents } from "../../core-service/src/app/replay-events.ts";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import {
  type AvmonEvent,
  defectCleared,
  defectDetected,
  jobCompleted,
} from "../../core-service/src/domain/events.ts";
import type { JobView } from "../../core-service/src/domain/job-projection.ts";
import { MAX_VIEW_DEFECTS } from "../../core-service/src/domain/job-view-bounds.ts";
import type { Report } from "../../core-service/src/domain/report.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import type { ParkingLot } from "../../core-service/src/ports/parking-lot.ts";
import type { Analyzer } from "../../core-service/src/worker/analyzer.ts";
import { ClaimCheckEventBus } from "../../core-service/src/worker/claim-check-bus.ts";
import { emfUndeliverableCounter } from "../../core-service/src/worker/emf-metrics.ts";
import { createStatusProjectorHandler } from "../../edge-functions/status-projector/handler.ts";
import { quietMetrics, silentLambdaLogger, sqsBatch } from "../edge-functions/support.ts";
import { startStack } from "../server/stack-fixture.ts";
import { aDefect, anOpenDefect, aReport, deliveredFrom } from "../support/avmon-events.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { startHookReceiver } from "../support/hook-receiver.ts";
import { runCli } from "../support/run-cli.ts";
import { scratchDir } from "../support/scratch-dirs.ts";
import { aQueueMessage, startedWorkers, waitFor, workerHarness } from "../worker/worker-harness.ts";

const eventBridge = mockClient(EventBridgeClient);
const startWorker = startedWorkers();
const BUS = "avmon";
let fauxqs: FauxqsServer;
let dynamo: DynaliteServer;
let buckets = 0;

beforeAll(async () => {
  [fauxqs, dynamo] = await Promise.all([startFauxqsServer(), startDynalite()]);
});
afterAll(async () => {
  await Promise.all([fauxqs?.stop(), dynamo?.stop()]);
});
beforeEach(() => {
  eventBridge.reset();
});

async function aBucket(): Promise<string> {
  const bucket = `avmon-ingest-${++buckets}`;
  await fauxqs.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function sentEntries(): PutEventsRequestEntry[] {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

function accepting(): void {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `eb-${i}` })),
  }));
}

function refusing(code = "InvalidArgument"): void {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
    FailedEntryCount: input.Entries?.length ?? 0,
    Entries: (input.Entries ?? []).map(() => ({ ErrorCode: code, ErrorMessage: "refused by a test" })),
  }));
}

function busTo(parking: ParkingLot, onUndeliverable?: (e: AvmonEvent, c: string) => void) {
  return new EventBridgeEventBus({
    client: new EventBridgeClient({ region: "eu-west-1" }),
    busName: BUS,
    parking,
    ...(onUndeliverable ? { onUndeliverable } : {}),
    logger: silentLogger,
    baseDelayMs: 1,
    maxDelayMs: 2,
  });
}

/** The report of a long file with many defects: well over EventBridge's 256 KB entry limit. */
function aLongReport(defects = 2500): Report {
  const many: Defect[] = Array.from({ length: defects }, (_, i) =>
    aDefect({
      type: i % 2 ? "black" : "freeze",
      start: i * 10,
      end: i * 10 + 4,
      metrics: { meanDifference: i },
    }),
  );
  return aReport(many, defects * 10);
}

describe("undeliverable events on AWS", () => {
  it("counts an event EventBridge refuses (FailedEntryCount) and parks it in S3, where the replay re-sends it", async () => {
    const bucket = await aBucket();
    const parking = new S3ParkingLot({ client: fauxqs.s3, bucket });
    const emf: string[] = [];
    const refused = defectDetected("job-1", anOpenDefect());
    refusing();

    const bus = busTo(
      parking,
      emfUndeliverableCounter((line) => emf.push(line)),
    );
    await bus.publish([refused]);
    await bus.flush();

    expect(emf.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: "avmon",
              Dimensions: [["service"]],
              Metrics: [{ Name: "UndeliverableEvents", Unit: "Count" }],
            },
          ],
        }),
        service: "avmon-core",
        UndeliverableEvents: 1,
        eventId: refused.id,
        errorCode: "InvalidArgument",
      }),
    ]);
    const stored = await fauxqs.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: UNDELIVERABLE_PREFIX }),
    );
    expect(stored.Contents?.map((o) => o.Key)).toEqual([
      `${UNDELIVERABLE_PREFIX}eventbridge/${refused.id}.json`,
    ]);

    eventBridge.reset();
    accepting();
    const lines: string[] = [];
    const result = await replayParkedEvents({
      parking,
      eventBridge: (_busName, watching) => busTo(watching),
      write: (line) => lines.push(line),
    });

    expect(result).toEqual({ replayed: 1, stillParked: 0 });
    expect(sentEntries().map((entry) => JSON.parse(entry.Detail ?? "{}"))).toEqual([refused.detail]);
    expect(await parking.list()).toEqual([]);
    expect(lines.join("")).toContain(`replayed  Defect Detected ${refused.id}`);
  });

  it("keeps an event parked, with the new reason, when EventBridge refuses it again on replay", async () => {
    const parking = new S3ParkingLot({ client: fauxqs.s3, bucket: await aBucket() });
    const event = defectDetected("job-2", anOpenDefect());
    refusing("InvalidArgument");
    const bus = busTo(parking);
    await bus.publish([event]);
    await bus.flush();

    eventBridge.reset();
    refusing("AccessDeniedException");
    const result = await replayParkedEvents({
      parking,
      eventBridge: (_busName, watching) => busTo(watching),
      write: () => {},
    });

    expect(result).toEqual({ replayed: 0, stillParked: 1 });
    const [entry] = await parking.list();
    expect(entry?.parked).toMatchObject({ event, reason: { code: "AccessDeniedException" } });
  });

  it("sends a Job Completed over 256 KB as a claim check, and the job's DynamoDB item keeps the report's head and the claim check", async () => {
    const bucket = await aBucket();
    const claims = new S3ClaimStore({ client: fauxqs.s3, bucket });
    // Past DynamoDB's 400 KB item limit on its own, and the view already holds as many defects as it keeps.
    const report = aLongReport(5000);
    expect(Buffer.byteLength(JSON.stringify(report))).toBeGreaterThan(400 * 1024);
    const completed = jobCompleted("job-long", report);
    accepting();

    const bus = new ClaimCheckEventBus(busTo(new S3ParkingLot({ client: fauxqs.s3, bucket })), claims);
    await bus.publish([completed]);
    await bus.flush();

    const [entry] = sentEntries();
    expect(entry && Buffer.byteLength(entry.Detail ?? "")).toBeLessThan(256 * 1024);
    const detail = JSON.parse(entry?.Detail ?? "{}");
    expect(detail).not.toHaveProperty("summary");
    expect(detail.summaryRef.uri).toBe(`s3://${bucket}/events/claims/job-long/${completed.id}.json`);

    const store = new DynamoJobStore({ client: dynamo.documents, tableName: await dynamo.createJobTable() });
    const project = createStatusProjectorHandler({
      store,
      claims,
      logger: silentLambdaLogger(),
      metrics: quietMetrics(),
    });
    const defectEvents = report.defects
      .slice(-20)
      .map((defect) => defectCleared("job-long", defect as Defect & { end: number }));
    const result = await project(sqsBatch([...defectEvents, deliveredFrom(entry as PutEventsRequestEntry)]));

    expect(result.batchItemFailures).toEqual([]);
    const view = await store.get("job-long");
    expect(view?.status).toBe("completed");
    expect(view?.defects).toHaveLength(20);
    expect(view?.summary).toEqual({ ...report, defects: report.defects.slice(0, MAX_VIEW_DEFECTS) });
    expect(view?.summaryAbridged).toEqual({ defects: 5000, fullReports: [detail.summaryRef] });
    expect(JSON.parse(await claims.get(detail.summaryRef.uri))).toEqual(report);
  });

  it("does not ack a job whose Job Completed EventBridge refuses and that cannot be parked either", async () => {
    const { dir, remove } = scratchDir("avmon-unparkable-");
    const blocked = join(dir, "not-a-folder");
    writeFileSync(blocked, "");
    refusing();
    const { queue, createWorker } = workerHarness({ maxReceiveCount: 5 });
    let runs = 0;
    const analyze: Analyzer = async () => {
      runs++;
      return aReport([], 10);
    };
    const message = aQueueMessage();
    await queue.send(message);

    const worker = startWorker(createWorker(analyze, { bus: busTo(new DirectoryParkingLot(blocked)) }));

    await waitFor(() => runs >= 2);
    expect(queue.counts().deadLetters).toBe(0);
    await worker.stop(0);
    remove();
  });
});

describe("undeliverable events in the local stack", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("publishes a Job Completed over the inline limit with a file claim check, which the job view names beside the report's head", async () => {
    const report = aLongReport();
    const { stack, url, post, dataDir, mediaFile } = await startStack({ analyze: async () => report });
    cleanups.push(() => stack.stop(1000).then(() => undefined));
    const completions: AvmonEvent[] = [];
    stack.bus.subscribe({ "detail-type": ["Job Completed"] }, (event) => {
      completions.push(event);
    });

    const { jobId } = (await (await post("/v1/jobs", { source: mediaFile("long.mp4") })).json()) as {
      jobId: string;
    };

    await waitFor(async () => (await stack.store.get(jobId))?.status === "completed");
    const detail = completions[0]?.detail as Record<string, unknown> & { summaryRef: { uri: string } };
    expect(detail).not.toHaveProperty("summary");
    expect(detail.summaryRef.uri).toMatch(new RegExp(`^file://.*/claims/${jobId}/`));
    expect(detail.summaryRef.uri).toContain(dataDir.replace(/^\.\//, ""));
    const view = (await (await fetch(`${url}/v1/jobs/${jobId}`)).json()) as JobView;
    expect(view.summary).toEqual({ ...report, defects: report.defects.slice(0, MAX_VIEW_DEFECTS) });
    expect(view.summaryAbridged).toEqual({
      defects: report.defects.length,
      fullReports: [detail.summaryRef],
    });
    expect(JSON.parse(readFileSync(fileURLToPath(detail.summaryRef.uri), "utf8"))).toEqual(report);
  });

  it("parks a webhook delivery refused for good in the data folder, and avmon replay-events delivers it", async () => {
    const receiver = await startHookReceiver(400);
    cleanups.push(receiver.close);
    const defect = aDefect({ type: "freeze", start: 2, end: 6 });
    const { stack, url, post, dataDir, mediaFile } = await startStack({
      analyze: async (_message, run) => {
        await run.onDetectorEvent({ kind: "close", defect });
        return aReport([defect], 10);
      },
    });
    cleanups.push(() => stack.stop(1000).then(() => undefined));
    await post("/v1/subscriptions", { url: receiver.url, pattern: { "detail-type": ["Defect Cleared"] } });

    await post("/v1/jobs", { source: mediaFile() });

    await waitFor(() => stack.webhooks.counts.failed === 1);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(
      'avmon_events_undeliverable_total{target="webhook"} 1',
    );
    const parkedFiles = () =>
      readdirSync(join(dataDir, "undeliverable")).flatMap((d) =>
        readdirSync(join(dataDir, "undeliverable", d)),
      );
    expect(parkedFiles()).toHaveLength(1);
    const env = { AVMON_DATA_DIR: dataDir, AVMON_INGEST_BUCKET: "", AVMON_LOG_LEVEL: "silent" };
    const listed = await runCli(["replay-events", "--dry-run"], { env });
    expect(listed.stdout).toMatch(
      /parked {4}Defect Cleared .* by webhook http:\/\/127\.0\.0\.1:\d+\/hook .*WEBHOOK_REFUSED HTTP 400/,
    );

    receiver.answer(204);
    const replay = await runCli(["replay-events"], { env });

    expect(replay).toMatchObject({ code: 0, stdout: expect.stringContaining("1 replayed, 0 still parked") });
    expect(receiver.accepted.map((e) => e["detail-type"])).toEqual(["Defect Cleared"]);
    expect(parkedFiles()).toHaveLength(0);
  });

  it("keeps a parked webhook event parked when avmon replay-events runs with the guard on and the receiver is private", async () => {
    const receiver = await startHookReceiver(204);
    cleanups.push(receiver.close);
    const { dir: dataDir, remove } = scratchDir("avmon-replay-guard-");
    cleanups.push(remove);
    const parking = new DirectoryParkingLot(join(dataDir, "undeliverable"));
    const event = defectDetected("job-guarded", anOpenDefect({ type: "black", start: 1 }));
    await parking.park({
      version: 1,
      event,
      target: {
        kind: "webhook",
        subscriptionId: "sub-1",
        url: receiver.url.replace("127.0.0.1", "[::ffff:127.0.0.1]"),
      },
      reason: { code: "WEBHOOK_REFUSED", message: "HTTP 503" },
      attempts: 5,
      parkedAt: new Date().toISOString(),
    });
    const env = {
      AVMON_DATA_DIR: dataDir,
      AVMON_INGEST_BUCKET: "",
      AVMON_ALLOW_PRIVATE_SOURCES: "false",
      AVMON_LOG_LEVEL: "silent",
    };

    const replay = await runCli(["replay-events"], { env });

    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(
      /refused {3}Defect Detected .*WEBHOOK_REFUSED webhook URL host .*127\.0\.0\.1/,
    );
    expect(replay.stdout).toContain("0 replayed, 1 still parked");
    expect(receiver.accepted).toEqual([]);
    expect(receiver.refused).toBe(0);
    expect(await parking.list()).toMatchObject([{ parked: { event: { id: event.id }, attempts: 6 } }]);
  });
});
