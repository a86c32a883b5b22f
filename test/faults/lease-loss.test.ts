/**
 * Lease loss. A worker whose visibility extensions keep failing (throttled, InvalidParameterValue: errors fauxqs
 * cannot be made to return, so the SQS client's ChangeMessageVisibility is mocked while every other call goes to
 * fauxqs on 127.0.0.1) must stop its job, ffmpeg included, and say nothing more before the queue hands the job
 * to a second worker; a live job in that state must not hand itself on as a continuation.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSServiceException,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import { MemoryJobStore } from "../../core-service/src/adapters/memory/memory-job-store.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../../core-service/src/domain/limits.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import type { EventBus } from "../../core-service/src/ports/event-bus.ts";
import { mediaAnalyzer } from "../../core-service/src/worker/analyzer.ts";
import { Worker, type WorkerOptions } from "../../core-service/src/worker/worker.ts";
import { aReport } from "../support/avmon-events.ts";
import { processesMatching } from "../support/fault-injection.ts";
import { countMessages, createQueueWithDlq } from "../support/fauxqs-queues.ts";
import { type FauxqsServer, fauxqsClient, startFauxqsServer } from "../support/fauxqs-server.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { scratchClaimStore } from "../support/scratch-dirs.ts";
import { fakeLiveEngine } from "../worker/live-harness.ts";
import {
  aQueueMessage,
  endlessAnalyzer,
  startedWorkers,
  TEST_WORKER_DEFAULTS,
  waitFor,
} from "../worker/worker-harness.ts";

const VISIBILITY_SECONDS = 4;

interface Published {
  readonly worker: string;
  readonly event: AvmonEvent;
  readonly atMs: number;
}

let server: FauxqsServer;
let origin: LiveOrigin;
beforeAll(async () => {
  server = await startFauxqsServer();
  // An endless playlist: no #EXT-X-ENDLIST, ever, so a file job on it decodes until it is stopped.
  origin = await startLiveOrigin({ protocol: "hls", duration: 20, loop: true });
  await waitFor(() => origin.availableAt(4) !== undefined, 20_000);
});
afterAll(async () => {
  await origin.close();
  await server.stop();
});

const started = startedWorkers();

/** An SQS client on fauxqs whose every ChangeMessageVisibility fails with `errorName`. */
function clientFailingExtensions(errorName: string) {
  const client = fauxqsClient(server.endpoint);
  const send = client.send.bind(client) as (command: object) => Promise<never>;
  const mock = mockClient(client);
  mock.on(ReceiveMessageCommand).callsFake((input) => send(new ReceiveMessageCommand(input)));
  mock.on(SendMessageCommand).callsFake((input) => send(new SendMessageCommand(input)));
  mock.on(DeleteMessageCommand).callsFake((input) => send(new DeleteMessageCommand(input)));
  mock.on(ChangeMessageVisibilityCommand).rejects(
    new SQSServiceException({
      name: errorName,
      $fault: "client",
      $metadata: {},
      message: `${errorName} (test)`,
    }),
  );
  return { client, mock };
}

/** Two workers on one fauxqs queue, each with its own client and a bus that records who published what, when. */
async function twoWorkers(errorName: string) {
  const { queueUrl } = await createQueueWithDlq(server, {
    visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    maxReceiveCount: 5,
  });
  const faulty = clientFailingExtensions(errorName);
  const bus = new MemoryEventBus({ logger: silentLogger });
  const store = new MemoryJobStore();
  store.subscribeTo(bus, scratchClaimStore());
  const published: Published[] = [];
  const recording = (worker: string): EventBus => ({
    publish: async (events) => {
      for (const event of events) published.push({ worker, event, atMs: Date.now() });
      await bus.publish(events);
    },
    flush: () => bus.flush(),
  });
  const create = (worker: "A" | "B", options: Partial<WorkerOptions>) => {
    const client = worker === "A" ? faulty.client : fauxqsClient(server.endpoint);
    const queue = new SqsJobQueue({
      client,
      queueUrl,
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
      waitTimeSeconds: 1,
    });
    const created = new Worker({
      queue,
      bus: recording(worker),
      analyze: endlessAnalyzer().analyze,
      jobStore: store,
      ...TEST_WORKER_DEFAULTS,
      workerId: worker,
      ...options,
    });
    started(created);
    return created;
  };
  /** The redelivery's Job Started, whichever worker took it (A polls again once its first run has ended). */
  const redelivered = () =>
    published.find(
      (p) =>
        p.event["detail-type"] === "Job Started" &&
        "attempt" in p.event.detail &&
        p.event.detail.attempt === 2,
    );
  return { queueUrl, faulty, published, create, redelivered };
}

describe("lease loss", () => {
  it.each(["ThrottlingException", "InvalidParameterValue"])(
    "stops a file job, ffmpeg included, before the queue can hand it out again when every extension fails with %s",
    async (errorName) => {
      const { queueUrl, faulty, published, create, redelivered } = await twoWorkers(errorName);
      const source = `${origin.url}?lease-loss=${errorName}`;
      await new SqsJobQueue({ client: server.client, queueUrl, visibilityTimeoutSeconds: 1 }).send(
        aQueueMessage({ source }),
      );
      create("A", { analyze: mediaAnalyzer({ limits: DEFAULT_ANALYSIS_LIMITS, allowLocalFiles: false }) });
      // The decoding ffmpeg (not the probe before it) is running.
      await waitFor(() => processesMatching(source).includes("-filter_complex"), 30_000);
      let ffmpegGoneAt: number | undefined;
      const watching = setInterval(() => {
        if (ffmpegGoneAt === undefined && processesMatching(source) === "") ffmpegGoneAt = Date.now();
      }, 20);
      create("B", { analyze: endlessAnalyzer().analyze });

      await waitFor(() => redelivered() !== undefined, 30_000).finally(() => clearInterval(watching));
      const takenOverAt = redelivered()?.atMs ?? 0;
      expect(faulty.mock.commandCalls(ChangeMessageVisibilityCommand).length).toBeGreaterThan(0);
      expect(ffmpegGoneAt, "the first run's ffmpeg had ended").toBeDefined();
      expect(ffmpegGoneAt).toBeLessThan(takenOverAt);
      const firstRun = published.filter((p) => p.atMs < takenOverAt);
      expect(firstRun.map((p) => p.event["detail-type"])).toEqual(["Job Started"]);
      expect(faulty.mock.commandCalls(DeleteMessageCommand)).toEqual([]);
    },
  );

  it("publishes and acks nothing once the lease's deadline has passed, even when a busy event loop runs the lease timer late", async () => {
    const { queueUrl, faulty, published, create } = await twoWorkers("ThrottlingException");
    await new SqsJobQueue({ client: server.client, queueUrl, visibilityTimeoutSeconds: 1 }).send(
      aQueueMessage(),
    );
    let finishedAt = 0;
    const worker = create("A", {
      // Finishes with its report only after blocking the event loop past the lease's deadline (3 s after the
      // receive: a 4 s visibility less its 1 s margin), so the lease timer has not run when the report is ready.
      analyze: async (message) => {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const until = Date.now() + 2000;
        while (Date.now() < until) {
          // busy: as a detector that hogs the CPU would be
        }
        finishedAt = Date.now();
        return { ...aReport([], 10), source: message.source };
      },
    });

    await waitFor(() => finishedAt > 0, 10_000);
    await waitFor(() => worker.runningJobIds().length === 0);
    expect(faulty.mock.commandCalls(ChangeMessageVisibilityCommand).length).toBeGreaterThan(0);
    expect(published.map((p) => p.event["detail-type"])).toEqual(["Job Started"]);
    expect(faulty.mock.commandCalls(DeleteMessageCommand)).toEqual([]);
    expect(await countMessages(server, queueUrl)).toBe(1);
  });

  it("sends no continuation for a live job whose lease is lost, so the stream is never followed twice", async () => {
    const { queueUrl, faulty, published, create, redelivered } = await twoWorkers("ThrottlingException");
    const message = aQueueMessage({ source: "http://origin.example/live.m3u8", mode: "live" });
    await new SqsJobQueue({ client: server.client, queueUrl, visibilityTimeoutSeconds: 1 }).send(message);
    const first = fakeLiveEngine();
    create("A", { analyzeLive: first.analyze });
    await waitFor(() => first.runs.length === 1);
    const second = fakeLiveEngine();
    create("B", { analyzeLive: second.analyze });

    await waitFor(() => redelivered() !== undefined, 30_000);
    expect(first.runs[0]?.signal.aborted).toBe(true);
    expect(faulty.mock.commandCalls(SendMessageCommand)).toEqual([]);
    expect(faulty.mock.commandCalls(DeleteMessageCommand)).toEqual([]);
    // The redelivery resumed the open defect from the job's events: announced once, by the first run.
    await waitFor(() => first.runs.length + second.runs.length === 2);
    const resumed = first.runs[1] ?? second.runs[0];
    expect(resumed?.resumeState?.openDefects.map((d) => d.alertId)).toEqual(["alert-1"]);
    const detected = published.filter((p) => p.event["detail-type"] === "Defect Detected");
    expect(detected).toHaveLength(1);
    expect(await countMessages(server, queueUrl)).toBe(1);
  });
});
