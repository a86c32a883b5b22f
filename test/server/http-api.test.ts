import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { aDefect, anOpenDefect } from "../support/avmon-events.ts";
import { fakeLiveEngine } from "../worker/live-harness.ts";
import { endlessAnalyzer, scriptedAnalyzer, waitFor } from "../worker/worker-harness.ts";
import { startStack } from "./stack-fixture.ts";

const freezeAndBlack = scriptedAnalyzer([
  { kind: "open", defect: anOpenDefect({ type: "black", start: 1 }) },
  { kind: "open", defect: anOpenDefect({ type: "freeze", start: 2 }) },
  { kind: "close", defect: aDefect({ type: "black", start: 1, end: 3 }) },
  { kind: "close", defect: aDefect({ type: "freeze", start: 2, end: 6 }) },
]);

describe("local HTTP API", () => {
  const stacks: LocalStack[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop(1000)));
    for (const server of servers.splice(0)) server.close();
  });
  const start = async (...args: Parameters<typeof startStack>) => {
    const started = await startStack(...args);
    stacks.push(started.stack);
    return started;
  };

  it.each([
    ["a missing source", { mode: "file" }, "source"],
    ["an unknown detector", { source: "/tmp/clip.mp4", detectors: ["flicker"] }, "detectors.0"],
    [
      "a bad threshold",
      { source: "/tmp/clip.mp4", thresholds: { freeze: { minDuration: -1 } } },
      "thresholds",
    ],
    ["a forbidden protocol", { source: "ftp://host/clip.mp4" }, "source"],
    ["malformed JSON", '{"source": "/tmp/clip.mp4"', "body"],
    [
      "an oversized body",
      { source: "/tmp/clip.mp4", labels: { pad: "x".repeat(200) }, more: "y".repeat(5000) },
      "body",
    ],
  ])("refuses %s with a 400 naming the field and queues nothing", async (_case, body, field) => {
    const { stack, post } = await start({ analyze: freezeAndBlack });
    const response = await post("/v1/jobs", body);

    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; field: string };
    expect(answer.field).toBe(field);
    expect(answer.error).toContain(field);
    expect(stack.bus.published).toBe(0);
    expect(stack.queue.counts()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("refuses a body that is not declared as JSON", async () => {
    const { url } = await start({ analyze: freezeAndBlack });
    const response = await fetch(`${url}/v1/jobs`, { method: "POST", body: "source=/tmp/clip.mp4" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { field: string }).field).toBe("body");
  });

  it("accepts a job, runs it and shows it completed with its defects", async () => {
    const { url, post, mediaFile } = await start({ analyze: freezeAndBlack });
    const response = await post("/v1/jobs", { source: mediaFile() });
    expect(response.status).toBe(202);
    const { jobId, status } = (await response.json()) as { jobId: string; status: string };
    expect(status).toBe("queued");

    let view: { status: string; defects: { type: string }[] } | undefined;
    await waitFor(async () => {
      view = (await (await fetch(`${url}/v1/jobs/${jobId}`)).json()) as typeof view;
      return view?.status === "completed";
    });
    expect(view?.defects.map((d) => d.type)).toEqual(["black", "freeze"]);
    expect((await fetch(`${url}/v1/jobs/unknown-job`)).status).toBe(404);
  });

  it("gives the same job for a repeated Idempotency-Key and refuses the key with a different body", async () => {
    const { stack, post, mediaFile } = await start({ analyze: endlessAnalyzer().analyze });
    const clip = mediaFile();
    const body = { source: clip, labels: { a: "1", b: "2" } };
    const first = await post("/v1/jobs", body, { "idempotency-key": "k-1" });
    const again = await post(
      "/v1/jobs",
      { labels: { b: "2", a: "1" }, source: clip },
      { "idempotency-key": "k-1" },
    );
    const other = await post("/v1/jobs", { source: mediaFile("other.mp4") }, { "idempotency-key": "k-1" });

    const firstJob = ((await first.json()) as { jobId: string }).jobId;
    expect(((await again.json()) as { jobId: string }).jobId).toBe(firstJob);
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: string }).error).toMatch(
      /already used with a different request/,
    );
    await waitFor(() => stack.worker.runningJobIds().length === 1);
    expect(stack.queue.counts()).toMatchObject({ visible: 0, inFlight: 1 });
  });

  it("stops a running job on DELETE, and answers a second DELETE with its final status", async () => {
    const { url, stack, post, mediaFile } = await start({
      analyze: endlessAnalyzer().analyze,
      analyzeLive: fakeLiveEngine().analyze,
    });
    const { jobId } = (await (
      await post("/v1/jobs", { source: mediaFile("live.m3u8"), mode: "live" })
    ).json()) as {
      jobId: string;
    };
    await waitFor(() => stack.worker.runningJobIds().includes(jobId));

    expect((await fetch(`${url}/v1/jobs/${jobId}`, { method: "DELETE" })).status).toBe(202);
    await waitFor(async () => (await stack.store.get(jobId))?.status === "stopped");
    const again = await fetch(`${url}/v1/jobs/${jobId}`, { method: "DELETE" });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ jobId, status: "stopped" });
  });

  it("delivers matching events to a webhook, retrying after a failing first attempt", async () => {
    const received: { status: number; event: AvmonEvent }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        const status = received.length === 0 ? 503 : 204;
        received.push({ status, event: JSON.parse(body) as AvmonEvent });
        res.writeHead(status).end();
      });
    });
    servers.push(receiver);
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const { url, post, mediaFile } = await start({ analyze: freezeAndBlack, webhooks: { baseDelayMs: 50 } });
    const pattern = { "detail-type": ["Defect Detected"], detail: { defect: { type: ["freeze"] } } };

    const created = await post("/v1/subscriptions", { url: hook, pattern });
    expect(created.status).toBe(201);
    await post("/v1/jobs", { source: mediaFile() });

    await waitFor(() => received.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.map((r) => r.status)).toEqual([503, 204]);
    expect(received.map((r) => r.event["detail-type"])).toEqual(["Defect Detected", "Defect Detected"]);
    expect(received[0]?.event.id).toBe(received[1]?.event.id);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('avmon_webhook_deliveries_total{outcome="delivered"} 1');
    expect(metrics).toContain('avmon_webhook_deliveries_total{outcome="retried"} 1');
  });

  it("refuses a webhook with an invalid pattern", async () => {
    const { post } = await start({ analyze: freezeAndBlack });
    const response = await post("/v1/subscriptions", {
      url: "http://127.0.0.1:9/x",
      pattern: { source: "avmon" },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { field: string }).field).toBe("pattern");
  });

  it("reports jobs, defects and the queue in Prometheus format, and health on /healthz", async () => {
    const { url, stack, post, mediaFile } = await start({ analyze: freezeAndBlack });
    const { jobId } = (await (await post("/v1/jobs", { source: mediaFile() })).json()) as {
      jobId: string;
    };
    await waitFor(async () => (await stack.store.get(jobId))?.status === "completed");

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('avmon_jobs{status="completed"} 1');
    expect(metrics).toContain('avmon_defects_detected_total{type="freeze"} 1');
    expect(metrics).toContain('avmon_queue_messages{state="in_flight"} 0');
    expect(metrics).toMatch(/avmon_events_published_total [1-9]/);
    expect(metrics).toContain("# TYPE avmon_queue_dead_letters gauge");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const dashboard = await fetch(`${url}/`);
    expect(dashboard.headers.get("content-type")).toContain("text/html");
    expect(await dashboard.text()).toContain('<script type="module" src="/dashboard/main.js">');
  });
});
