/**
 * A live job through the local stack: a real HLS origin on loopback with a scheduled freeze, the HTTP API, the
 * worker running the live engine, SSE subscribers, /metrics and DELETE.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import type { JobView } from "../../core-service/src/domain/job-projection.ts";
import { isRunning } from "../live/live-events.ts";
import { startStack } from "../server/stack-fixture.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { waitFor } from "../worker/worker-harness.ts";
import { subscribeSse } from "./sse-client.ts";

/**
 * Late enough in the programme that a job started on a busy machine (stack, probe, first segment) joins the
 * stream before it: a live job starts at the live edge, and a freeze that went by before it joined is not seen.
 */
const FREEZE = { start: 10, end: 14 };

describe("a live job through the local stack (real HLS origin, real ffmpeg, real HTTP)", () => {
  let origin: LiveOrigin;
  let stack: LocalStack;
  let url: string;
  let jobId: string;
  let subscriber: Awaited<ReturnType<typeof subscribeSse>>;
  let metricsWhileRunning = "";
  let ffmpegPid: number | undefined;
  let deletedAt = 0;
  let ffmpegGoneAfterMs = Number.POSITIVE_INFINITY;

  beforeAll(async () => {
    const started = await startStack();
    origin = await startLiveOrigin({ protocol: "hls", duration: 40, video: [{ type: "freeze", ...FREEZE }] });
    stack = started.stack;
    url = started.url;
    subscriber = await subscribeSse(url, { detail: { defect: { type: ["freeze"] } } });
    const response = await started.post("/v1/jobs", {
      source: origin.url,
      mode: "live",
      detectors: ["black", "freeze"],
      thresholds: { freeze: { minDuration: 2 } },
      live: { maxDurationSeconds: 120 },
    });
    expect(response.status).toBe(202);
    jobId = ((await response.json()) as { jobId: string }).jobId;

    await waitFor(() => detected() !== undefined, 40_000);
    await waitFor(async () => openDefectsMetric(await metrics()) === 1, 5_000);
    await waitFor(() => cleared() !== undefined, 20_000);
    // Stats are reported once a second, so the gauge follows the clear within that.
    await waitFor(async () => {
      metricsWhileRunning = await metrics();
      return openDefectsMetric(metricsWhileRunning) === 0;
    }, 5_000);
    ffmpegPid = ffmpegReading(origin.url);
    deletedAt = Date.now();
    const deleted = await fetch(`${url}/v1/jobs/${jobId}`, { method: "DELETE" });
    expect(deleted.status).toBe(202);
    while (ffmpegPid !== undefined && isRunning(ffmpegPid) && Date.now() - deletedAt < 5_000) await sleep(20);
    ffmpegGoneAfterMs = Date.now() - deletedAt;
    await waitFor(async () => (await jobView()).status === "stopped", 10_000);
  }, 90_000);

  afterAll(async () => {
    await subscriber?.close();
    await stack?.stop(2000);
    await origin?.close();
  });

  it("sends the SSE subscriber Defect Detected, then Defect Cleared under the same alertId, for the scheduled freeze", () => {
    const ofJob = subscriber.events.filter((e) => e.detail.jobId === jobId);
    expect(ofJob.map((e) => e["detail-type"])).toEqual(["Defect Detected", "Defect Cleared"]);
    const [detected, clear] = ofJob as [DefectEvent, DefectEvent];
    expect(clear.detail.alertId).toBe(detected.detail.alertId);
    expect((clear.detail.defect.end ?? 0) - clear.detail.defect.start).toBeCloseTo(
      FREEZE.end - FREEZE.start,
      0,
    );
    expect(detected.detail.defect.startedAt).toBeDefined();
    expect(clear.detail.defect.endedAt).toBeDefined();
  });

  it("shows the stream's frame rate, lag and open defects (1 during the freeze, 0 after) in /metrics while the job runs", () => {
    const fps = Number(
      new RegExp(`avmon_live_frames_per_second\\{jobId="${jobId}"\\} ([\\d.]+)`).exec(
        metricsWhileRunning,
      )?.[1],
    );
    expect(fps).toBeGreaterThan(15);
    expect(metricsWhileRunning).toMatch(new RegExp(`avmon_live_lag_seconds\\{jobId="${jobId}"\\} [\\d.]+`));
  });

  it("stops the job on DELETE: ffmpeg gone within 2 s and the job shown as stopped", async () => {
    expect(ffmpegPid).toBeDefined();
    expect(ffmpegGoneAfterMs).toBeLessThanOrEqual(2_000);
    const view = await jobView();
    expect(view.status).toBe("stopped");
    expect(view.defects).toEqual([expect.objectContaining({ type: "freeze", end: expect.any(Number) })]);
    const metricsAfter = await (await fetch(`${url}/metrics`)).text();
    expect(metricsAfter).not.toContain(`jobId="${jobId}"`);
  });

  it("says what the stream cost in /metrics while it ran and in the stopped job's status and report", async () => {
    expect(metricsWhileRunning).toContain(`avmon_live_stream_info{jobId="${jobId}",profile="full"} 1`);
    expect(metricsWhileRunning).toContain(`avmon_live_escalated{jobId="${jobId}"} 0`);
    const running = Number(
      new RegExp(`avmon_live_cpu_seconds_total\\{jobId="${jobId}"\\} ([\\d.]+)`).exec(
        metricsWhileRunning,
      )?.[1],
    );
    expect(running).toBeGreaterThan(0);

    const view = await jobView();
    expect(view).toMatchObject({ profile: "full", escalated: false, escalations: { count: 0 } });
    // The whole run's CPU, its ffmpeg's decode included, is at least what it had cost while running.
    expect(view.cpuSeconds).toBeGreaterThanOrEqual(running);
    expect(view.cpuSecondsPerMediaHour).toBeGreaterThan(0);
    expect(view.summary?.stats).toMatchObject({
      cpuSeconds: view.cpuSeconds,
      cpuSecondsPerMediaHour: view.cpuSecondsPerMediaHour,
    });
  });

  type DefectEvent = AvmonEvent & { "detail-type": "Defect Detected" | "Defect Cleared" };

  function detected(): AvmonEvent | undefined {
    return subscriber.events.find((e) => e.detail.jobId === jobId && e["detail-type"] === "Defect Detected");
  }

  async function metrics(): Promise<string> {
    return (await fetch(`${url}/metrics`)).text();
  }

  function openDefectsMetric(text: string): number | undefined {
    const found = new RegExp(`avmon_live_open_defects\\{jobId="${jobId}"\\} (\\d+)`).exec(text);
    return found ? Number(found[1]) : undefined;
  }

  function cleared(): AvmonEvent | undefined {
    return subscriber.events.find((e) => e.detail.jobId === jobId && e["detail-type"] === "Defect Cleared");
  }

  async function jobView(): Promise<JobView> {
    return (await (await fetch(`${url}/v1/jobs/${jobId}`)).json()) as JobView;
  }
});

/** The live ffmpeg (the one with a filter graph, not the prober) reading `source`, found through /proc. */
function ffmpegReading(source: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args.includes(source) && args.includes("-filter_complex")) return Number(entry);
    } catch {
      // The process ended while the list was read.
    }
  }
  return undefined;
}
