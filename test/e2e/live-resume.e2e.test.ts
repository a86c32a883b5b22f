/**
 * Kill the worker mid-stream: a live job on a real HLS origin, its worker halted while a freeze is open; a
 * second worker takes the redelivered job, resumes from the job's events and clears the freeze under the
 * alertId the first worker announced, without announcing it again.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import type { Worker } from "../../core-service/src/worker/worker.ts";
import { startStack } from "../server/stack-fixture.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { waitFor } from "../worker/worker-harness.ts";
import { subscribeSse } from "./sse-client.ts";

describe("a live job whose worker dies (real HLS origin, local stack)", () => {
  let origin: LiveOrigin | undefined;
  let stack: LocalStack | undefined;
  let second: Worker | undefined;
  let subscriber: Awaited<ReturnType<typeof subscribeSse>> | undefined;

  afterAll(async () => {
    await second?.stop(0);
    await subscriber?.close();
    await stack?.stop(2000);
    await origin?.close();
  });

  it("resumes on another worker and clears the open freeze under its first alertId, announced once", async () => {
    origin = await startLiveOrigin({
      protocol: "hls",
      duration: 40,
      video: [{ type: "freeze", start: 4, end: 16 }],
    });
    const started = await startStack({ queue: { visibilityTimeoutSeconds: 1 } });
    stack = started.stack;
    const running = stack;
    subscriber = await subscribeSse(started.url);
    const events = subscriber.events;
    let halted: Promise<void> | undefined;
    running.bus.subscribe({ "detail-type": ["Defect Detected"] }, () => {
      // Killed at its first alert, as a crashed process would be: no release, no ack, no further events.
      halted ??= running.worker.halt();
    });

    const response = await started.post("/v1/jobs", {
      source: origin.url,
      mode: "live",
      detectors: ["freeze"],
      thresholds: { freeze: { minDuration: 2 } },
    });
    const { jobId } = (await response.json()) as { jobId: string };
    await waitFor(() => halted !== undefined, 40_000);
    await halted;
    second = running.createWorker();
    second.start();

    const ofJob = () => events.filter((e) => e.detail.jobId === jobId);
    const freezeCleared = () =>
      ofJob().find((e) => e["detail-type"] === "Defect Cleared" && e.detail.defect.type === "freeze");
    await waitFor(() => freezeCleared() !== undefined, 40_000);
    second.stopJob(jobId);
    await waitFor(async () => (await running.store.get(jobId))?.status === "stopped", 10_000);

    const attempts = ofJob().flatMap((e) => (e["detail-type"] === "Job Started" ? [e.detail.attempt] : []));
    expect(attempts).toEqual([1, 2]);
    const detected = ofJob().filter(
      (e): e is DefectEvent => e["detail-type"] === "Defect Detected" && e.detail.defect.type === "freeze",
    );
    expect(detected).toHaveLength(1);
    const cleared = freezeCleared() as DefectEvent;
    expect(cleared.detail.alertId).toBe(detected[0]?.detail.alertId);
    expect(cleared.detail.defect.start).toBe(detected[0]?.detail.defect.start);
    expect((cleared.detail.defect.end ?? 0) - cleared.detail.defect.start).toBeGreaterThan(8);
  }, 120_000);

  type DefectEvent = AvmonEvent & { "detail-type": "Defect Detected" | "Defect Cleared" };
});
