import { randomUUID } from "node:crypto";
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { vi } from "vitest";
import { jobCompleted, jobStarted } from "../../core-service/src/domain/events.ts";
import { followClaimCheck } from "../../core-service/src/ports/claim-store.ts";
import type { EventBus } from "../../core-service/src/ports/event-bus.ts";
import type { Analyzer } from "../../core-service/src/worker/analyzer.ts";
import { apiEvent, ingestApiHandler } from "../edge-functions/support.ts";
import { startStack } from "../server/stack-fixture.ts";
import { aReport, deliveredFrom } from "../support/avmon-events.ts";
import type { DynaliteServer } from "../support/dynalite-server.ts";
import { scratchClaimStore } from "../support/scratch-dirs.ts";
import { waitFor } from "../worker/worker-harness.ts";
import type { DoorAnswer, IntakeDoor } from "./intake.contract.ts";

type Announcement = { jobId: string; queuedThen: number };

/**
 * Records, at the moment `publish` is called, how many messages of each announced job are already queued: the
 * order of queueing and Job Accepted, seen from outside the use case. The call goes through unchanged.
 */
function watchAnnouncements(bus: EventBus, queuedNow: () => Promise<number>): Announcement[] {
  const announcements: Announcement[] = [];
  const publish = bus.publish.bind(bus);
  vi.spyOn(bus, "publish").mockImplementation(async (events) => {
    for (const event of events) {
      if (event["detail-type"] === "Job Accepted") {
        announcements.push({ jobId: event.detail.jobId, queuedThen: await queuedNow() });
      }
    }
    return publish(events);
  });
  return announcements;
}

/** An analysis that runs until the test lets it finish, so queued jobs stay visible as running. */
function heldAnalyzer() {
  const finishers = new Map<string, () => void>();
  const analyze: Analyzer = (message, run) =>
    new Promise((resolve, reject) => {
      finishers.set(message.jobId, () => resolve(aReport([], 10)));
      run.signal.addEventListener("abort", () => reject(run.signal.reason), { once: true });
    });
  return { analyze, finish: (jobId: string) => finishers.get(jobId)?.() };
}

/** `avmon serve`'s express app over HTTP on 127.0.0.1, its in-memory queue, bus and store, a held worker. */
export async function localDoor(): Promise<IntakeDoor> {
  const analysis = heldAnalyzer();
  const { stack, url, mediaFile } = await startStack(
    { analyze: analysis.analyze },
    { AVMON_CONCURRENCY: "64" },
  );
  const queued = () => {
    const { visible, inFlight, delayed } = stack.queue.counts();
    return visible + inFlight + delayed;
  };
  const announcements = watchAnnouncements(stack.bus, async () => queued());
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const answer: DoorAnswer = {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      header: (name) => response.headers.get(name) ?? undefined,
    };
    return answer;
  };
  const files = new Map<string, string>();
  return {
    source: (name) => files.get(name) ?? files.set(name, mediaFile(name)).get(name) ?? "",
    post: (body, headers) => call("POST", "/v1/jobs", body, headers),
    get: (jobId) => call("GET", `/v1/jobs/${jobId}`),
    delete: (jobId) => call("DELETE", `/v1/jobs/${jobId}`),
    async queuedJobIds() {
      // Every queued job is taken by the worker (and held), so the running ones are all there are.
      await waitFor(() => queued() === stack.worker.runningJobIds().length);
      return stack.worker.runningJobIds();
    },
    announcements: () => announcements,
    async finish(jobId) {
      await waitFor(() => stack.worker.runningJobIds().includes(jobId));
      analysis.finish(jobId);
      await waitFor(async () => (await stack.store.get(jobId))?.status === "completed");
    },
    close: async () => {
      await stack.stop(1000);
    },
  };
}

export interface LambdaDoorServers {
  readonly sqs: SQSClient;
  readonly dynamo: DynaliteServer;
}

/**
 * The ingest Lambda's handler with API Gateway events, on a fauxqs queue and a dynalite table. EventBridge has
 * no emulator: its client is mocked, and what it is sent is folded into the job table as the status
 * projector would.
 */
export async function lambdaDoor(servers: LambdaDoorServers): Promise<IntakeDoor> {
  const { sqs, dynamo } = servers;
  const bucket = "avmon-ingest";
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `jobs-${randomUUID()}` })))
    .QueueUrl as string;
  const tableName = await dynamo.createJobTable();
  const events = mockClient(EventBridgeClient);
  const { handler, jobs, bus } = ingestApiHandler({
    groups: [{ name: "all", queueUrl, detectors: ["black", "freeze", "silence"] }],
    sqs,
    eventBridge: new EventBridgeClient({ region: "eu-west-1" }),
    dynamo,
    tableName,
    ingestBucket: bucket,
  });
  // What the status projector does with each event the bus delivers (claim checks followed, as it does).
  const claims = scratchClaimStore();
  events.on(PutEventsCommand).callsFake(async (input: PutEventsCommandInput) => {
    for (const entry of input.Entries ?? [])
      await jobs.apply(await followClaimCheck(deliveredFrom(entry), claims));
    return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })) };
  });
  const queuedNow = async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  const announcements = watchAnnouncements(bus, queuedNow);
  const received: string[] = [];
  const call = async (...args: Parameters<typeof apiEvent>) => {
    const result = await handler(apiEvent(...args));
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    const answer: DoorAnswer = {
      status: result.statusCode,
      body: JSON.parse(result.body) as Record<string, unknown>,
      header: (name) => headers[name.toLowerCase()],
    };
    return answer;
  };
  return {
    source: (name) => `s3://${bucket}/incoming/${name}`,
    post: (body, headers) => call("POST", { body, ...(headers && { headers }) }),
    get: (jobId) => call("GET", { jobId }),
    delete: (jobId) => call("DELETE", { jobId }),
    async queuedJobIds() {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
        );
        if (Messages.length === 0) return [...received];
        for (const m of Messages) received.push(JSON.parse(m.Body ?? "{}").jobId);
      }
    },
    announcements: () => announcements,
    async finish(jobId) {
      await jobs.apply(jobStarted(jobId, { attempt: 1 }));
      await jobs.apply(jobCompleted(jobId, aReport([], 10)));
    },
    close: async () => {
      events.restore();
    },
  };
}
