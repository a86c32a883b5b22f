/**
 * Faults: subscribers that are slow, stalled or gone must not hold a job. The job is acked when the bus has its
 * events; webhooks are retried from an outbox in the data folder, SSE clients that stop reading are dropped.
 */
import { createServer } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { type AvmonEvent, jobAccepted } from "../../core-service/src/domain/events.ts";
import { startStack } from "../server/stack-fixture.ts";
import { aDefect } from "../support/avmon-events.ts";
import { startHookReceiver } from "../support/hook-receiver.ts";
import { scratchDir } from "../support/scratch-dirs.ts";
import { scriptedAnalyzer, waitFor } from "../worker/worker-harness.ts";

const freezeJob = scriptedAnalyzer([
  { kind: "open", defect: aDefect({ type: "freeze", start: 2, end: undefined }) },
  { kind: "close", defect: aDefect({ type: "freeze", start: 2, end: 6 }) },
]);
const EVERYTHING = { source: ["avmon"] };
/** The job must be acked well within this; a subscriber held it ~15 s (webhook) or for ever (SSE) before. */
const PROMPTLY_MS = 8000;

describe("slow subscribers (local stack)", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const start = async (...args: Parameters<typeof startStack>) => {
    const started = await startStack(...args);
    cleanups.push(() => started.stack.stop(1000).then(() => undefined));
    return started;
  };

  it("acks a finished job promptly while its webhook to a closed port is still being retried", async () => {
    const closedPort = await freePort();
    const { stack, post, mediaFile } = await start({ analyze: freezeJob });
    await post("/v1/subscriptions", { url: `http://127.0.0.1:${closedPort}/hook`, pattern: EVERYTHING });

    const { jobId } = (await (await post("/v1/jobs", { source: mediaFile() })).json()) as {
      jobId: string;
    };

    await waitFor(async () => settled(stack, jobId), PROMPTLY_MS);
    const givenUpBeforeAck = stack.webhooks.counts.failed;
    await waitFor(() => stack.webhooks.counts.retried >= 2);
    expect(givenUpBeforeAck).toBe(0);
    expect(stack.webhooks.counts).toMatchObject({ delivered: 0, failed: 0 });
  });

  it("drops an SSE client that stopped reading with a final lagged message, and the job completes", async () => {
    const { stack, url, post, mediaFile } = await start(
      { analyze: freezeJob, eventStream: { maxBufferedBytes: 64 * 1024 } },
      {},
    );
    const reader = await stalledSseReader(url);
    // Other traffic on the bus, more than the socket buffers between avmon and the stalled reader can hold.
    for (let i = 0; i < 80; i++) await stack.bus.publish([bulkyEvent(`other-${i}`, 200_000)]);

    const { jobId } = (await (await post("/v1/jobs", { source: mediaFile() })).json()) as {
      jobId: string;
    };

    await waitFor(async () => settled(stack, jobId), PROMPTLY_MS);
    const stream = await reader.resumeAndReadToEnd();
    // The last SSE message (its own chunk), then the end of the response: the client was told, then let go.
    expect(stream).toMatch(
      /\n\n\r\n[0-9a-f]+\r\nevent: lagged\ndata: \{"lastEventId":"[^"]+"[^\n]*\}\n\n\r\n0\r\n\r\n$/,
    );
    expect(await (await fetch(`${url}/metrics`)).text()).toContain("avmon_event_streams_lagged_total 1");
  });

  it("keeps a webhook's pending deliveries across a restart and delivers them once the endpoint is back", async () => {
    const receiver = await startHookReceiver(503);
    cleanups.push(receiver.close);
    const { dir, remove } = scratchDir("avmon-restart-");
    cleanups.push(remove);
    const env = { AVMON_DATA_DIR: dir };
    const first = await startStack(
      { analyze: freezeJob, webhooks: { baseDelayMs: 50, maxAttempts: 1000 } },
      env,
    );
    const pattern = { "detail-type": ["Defect Detected", "Defect Cleared"] };
    await first.post("/v1/subscriptions", { url: receiver.url, pattern });
    const { jobId } = (await (await first.post("/v1/jobs", { source: first.mediaFile() })).json()) as {
      jobId: string;
    };
    await waitFor(async () => settled(first.stack, jobId));
    await waitFor(() => receiver.refused >= 2);
    await first.stack.stop(1000);

    receiver.answer(204);
    const second = await start({ analyze: freezeJob, webhooks: { baseDelayMs: 50 } }, env);

    await waitFor(() => receiver.accepted.length === 2);
    expect(receiver.accepted.map((e) => e["detail-type"])).toEqual(["Defect Detected", "Defect Cleared"]);
    expect(receiver.accepted.every((e) => e.detail.jobId === jobId)).toBe(true);
    expect(second.stack.webhooks.list()).toHaveLength(1);
  });
});

/** The job has left the queue (acked) and the job store shows it completed. */
async function settled(stack: LocalStack, jobId: string): Promise<boolean> {
  const { visible, inFlight, delayed } = stack.queue.counts();
  return visible + inFlight + delayed === 0 && (await stack.store.get(jobId))?.status === "completed";
}

function bulkyEvent(jobId: string, bytes: number): AvmonEvent {
  return jobAccepted(jobId, {
    source: "/tmp/x.mp4",
    mode: "file",
    detectors: [],
    labels: { pad: "x".repeat(bytes) },
  });
}

/** A port nothing listens on: bound once by us, then closed. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An SSE client on a raw socket that reads the response head and then stops reading. */
async function stalledSseReader(baseUrl: string) {
  const { hostname, port } = new URL(baseUrl);
  const socket: Socket = connect(Number(port), hostname);
  let received = "";
  let stalled = false;
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (!stalled && received.includes(": subscribed")) {
        stalled = true;
        socket.pause();
        resolve();
      }
    });
    socket.write(`GET /v1/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  });
  return {
    resumeAndReadToEnd(): Promise<string> {
      return new Promise((resolve) => {
        socket.once("close", () => resolve(received));
        socket.resume();
      });
    },
  };
}
