/**
 * `avmon serve` and `avmon worker` as processes: SIGTERM with jobs stuck where a source or a service never
 * answers ends the process within its shutdown deadline plus 2 s, exit code 0, with no ffprobe or ffmpeg of its
 * own left running. The worker's AWS services are reached through the SDK's endpoint settings: SQS is fauxqs,
 * EventBridge, DynamoDB and S3 a server on 127.0.0.1 that accepts connections and never answers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { processesMatching, SETTLE_MS } from "../support/fault-injection.ts";
import { createQueueWithDlq, messageCounts } from "../support/fauxqs-queues.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { freePort } from "../support/free-port.ts";
import { makeClip } from "../support/test-media.ts";
import { startSilentServer, startStallingServer, type TestServer } from "../support/unresponsive-servers.ts";
import { aQueueMessage, waitFor } from "../worker/worker-harness.ts";

const ROOT = join(import.meta.dirname, "../..");
const LOCALHOST_DNS = join(import.meta.dirname, "../support/localhost-dns.mjs");
const DEADLINE_SECONDS = 5;
/** Room for a loaded 2-core machine past the bound the issue sets (SETTLE_MS; ffmpeg must also be reaped). */
const MACHINE_MARGIN_MS = 1500;

let dir: string;
const servers: TestServer[] = [];
const children: ChildProcess[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "avmon-exit-"));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});
afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function server(start: Promise<TestServer>): Promise<TestServer> {
  const started = await start;
  servers.push(started);
  return started;
}

/** Runs `avmon <command>`; `exited` resolves with the exit code and when it came. */
function avmon(command: "serve" | "worker", env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", LOCALHOST_DNS, "bin/avmon.mjs", command], {
    cwd: ROOT,
    env: {
      ...process.env,
      AVMON_LOG_LEVEL: "error",
      AVMON_SHUTDOWN_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; atMs: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, atMs: Date.now() })),
  );
  return { child, exited, output: () => output };
}

let serves = 0;

/** Starts `avmon serve` on a free port with a data folder of its own; `submit` posts a job and expects 202. */
async function serve(env: Record<string, string> = {}) {
  const dataDir = join(dir, `serve-${++serves}`);
  mkdirSync(dataDir);
  const port = await freePort();
  const started = avmon("serve", {
    PORT: String(port),
    AVMON_DEMO: "false",
    AVMON_DATA_DIR: dataDir,
    ...env,
  });
  await waitFor(() => /listening/.test(started.output()), 60_000);
  const submit = async (job: { source: string; mode?: string }) => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(job),
    });
    expect(response.status, await response.text()).toBe(202);
  };
  return { ...started, submit };
}

describe("avmon serve on SIGTERM", () => {
  it("exits 0 within its deadline plus 2 s while jobs probe, decode and follow sources that hang, leaving no ffmpeg", async () => {
    const clip = await makeClip({
      duration: 20,
      container: "ts",
      video: { codec: "libx264", size: "320x180", fps: "25" },
    });
    const stalling = await server(startStallingServer(readFileSync(clip).subarray(0, 300_000)));
    const silent = await server(startSilentServer());
    // The probe waits on a server that never answers, as does the live job's; the decode on one that stopped.
    const probing = silent.url("/probe.ts");
    const decoding = stalling.url("/halfway.ts");
    const live = silent.url("/live.m3u8");
    const stack = await serve({ AVMON_CONCURRENCY: "3" });
    for (const job of [{ source: probing }, { source: decoding }, { source: live, mode: "live" }]) {
      await stack.submit(job);
    }
    await waitFor(
      () =>
        processesMatching(probing) !== "" &&
        processesMatching(decoding).includes("-filter_complex") &&
        processesMatching(live) !== "",
      20_000,
    );

    const signalledAt = Date.now();
    stack.child.kill("SIGTERM");
    const { code, atMs } = await stack.exited;

    expect(code).toBe(0);
    expect(atMs - signalledAt).toBeLessThan(DEADLINE_SECONDS * 1000 + SETTLE_MS + MACHINE_MARGIN_MS);
    for (const source of [probing, decoding, live]) expect(processesMatching(source), source).toBe("");
  });
});

describe("avmon serve on a second SIGTERM", () => {
  it("exits at once while the first waits out a long shutdown deadline, killing the ffprobe it leaves", async () => {
    // ffprobe waits on a server that never answers: it writes nothing, so only being killed ends it.
    const silent = await server(startSilentServer());
    const probing = silent.url("/second-signal.ts");
    // A file job may finish until the deadline: a minute here, far longer than the test waits.
    const stack = await serve({ AVMON_SHUTDOWN_DEADLINE_SECONDS: "60" });
    await stack.submit({ source: probing });
    await waitFor(() => processesMatching(probing) !== "", 20_000);

    stack.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.child.exitCode).toBeNull();
    const secondAt = Date.now();
    stack.child.kill("SIGTERM");
    const { code, atMs } = await stack.exited;

    expect(code).toBe(1);
    expect(atMs - secondAt).toBeLessThan(SETTLE_MS + MACHINE_MARGIN_MS);
    expect(processesMatching(probing)).toBe("");
  });
});

describe("avmon worker on SIGTERM", () => {
  let fauxqs: FauxqsServer;
  beforeAll(async () => {
    fauxqs = await startFauxqsServer();
  });
  afterAll(async () => {
    await fauxqs.stop();
  });

  it("exits 0 within its deadline plus 2 s while its job table, EventBridge and S3 never answer, releasing the job", async () => {
    const silent = await server(startSilentServer());
    const { queueUrl } = await createQueueWithDlq(fauxqs, {
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
    const message = aQueueMessage({ source: "s3://avmon-ingest/incoming/clip.mp4" });
    await new SqsJobQueue({ client: fauxqs.client, queueUrl, visibilityTimeoutSeconds: 30 }).send(message);
    const worker = avmon("worker", {
      PORT: "0",
      AVMON_QUEUE_URL: queueUrl,
      AVMON_EVENT_BUS_NAME: "avmon",
      AVMON_JOB_TABLE_NAME: "avmon-jobs",
      // One slot, taken by the job: no long poll is left open that could pick the released job up again.
      AVMON_CONCURRENCY: "1",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: silent.url(""),
      AWS_ENDPOINT_URL_DYNAMODB: silent.url(""),
      // Where refused events would be parked: it never answers either.
      AVMON_INGEST_BUCKET: "avmon-ingest",
      AWS_ENDPOINT_URL_S3: silent.url(""),
    });
    // The job is taken and waits on the job table (what earlier attempts published), which never answers.
    await waitFor(
      async () => silent.connections > 0 && (await messageCounts(fauxqs, queueUrl)).inFlight === 1,
      20_000,
    );

    const signalledAt = Date.now();
    worker.child.kill("SIGTERM");
    const { code, atMs } = await worker.exited;

    expect(code, worker.output()).toBe(0);
    expect(atMs - signalledAt).toBeLessThan(DEADLINE_SECONDS * 1000 + SETTLE_MS + MACHINE_MARGIN_MS);
    // Released for another worker: visible again at once, not after the 30 s visibility timeout.
    const [again] = await new SqsJobQueue({
      client: fauxqs.client,
      queueUrl,
      visibilityTimeoutSeconds: 30,
      waitTimeSeconds: 1,
    }).receive(1);
    expect(again?.message.jobId).toBe(message.jobId);
  });
});
