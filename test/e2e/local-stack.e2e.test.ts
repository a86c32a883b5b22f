import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import type { Worker } from "../../core-service/src/worker/worker.ts";
import { startStack } from "../server/stack-fixture.ts";
import { makeClip } from "../support/test-media.ts";
import { waitFor } from "../worker/worker-harness.ts";
import { subscribeSse } from "./sse-client.ts";

const FREEZES_ONLY = { "detail-type": ["Defect Detected"], detail: { defect: { type: ["freeze"] } } };

/** 8 s of moving picture with a 3 s freeze at 2 s, and a silence that the freeze subscriber must not see. */
const freezeClip = () =>
  makeClip({
    duration: 8,
    container: "mp4",
    video: { codec: "libx264", size: "320x180", fps: "25", events: [{ type: "freeze", start: 2, end: 5 }] },
    audio: { codec: "aac", channels: 2, events: [{ type: "silence", start: 5, end: 7.5 }] },
  });

/** 10 s with a freeze early and black late, so a worker stopped at the freeze is stopped mid-job. */
const longerClip = () =>
  makeClip({
    duration: 10,
    container: "mp4",
    video: {
      codec: "libx264",
      size: "320x180",
      fps: "25",
      events: [
        { type: "freeze", start: 1, end: 3.5 },
        { type: "black", start: 6, end: 9 },
      ],
    },
  });

interface JobViewBody {
  status: string;
  attempt: number;
  defects: { type: string; start: number; end?: number; alertId: string }[];
}

describe("local stack end to end (real ffmpeg, real HTTP)", () => {
  const stacks: LocalStack[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    await Promise.all(stacks.splice(0).map((s) => s.stop(2000)));
  });

  it("sends a freeze-only SSE subscriber exactly the freeze's Defect Detected, and shows the job completed", async () => {
    const clip = await freezeClip();
    const { stack, url, post } = await startStack();
    stacks.push(stack);
    const freezes = await subscribeSse(url, FREEZES_ONLY);
    const everything = await subscribeSse(url);
    closers.push(freezes.close, everything.close);
    expect(freezes.response.headers.get("content-type")).toContain("text/event-stream");

    const submitted = await post("/v1/jobs", { source: clip, detectors: ["black", "freeze", "silence"] });
    const { jobId } = (await submitted.json()) as { jobId: string };
    let view: JobViewBody | undefined;
    await waitFor(async () => {
      view = (await (await fetch(`${url}/v1/jobs/${jobId}`)).json()) as JobViewBody;
      return view.status === "completed";
    }, 60_000);
    await waitFor(() => everything.events.some((e) => e["detail-type"] === "Job Completed"));

    expect(
      everything.events.some(
        (e) => e["detail-type"] === "Defect Detected" && e.detail.defect.type === "silence",
      ),
    ).toBe(true);
    expect(freezes.events).toHaveLength(1);
    const [freeze] = freezes.events as [AvmonEvent & { "detail-type": "Defect Detected" }];
    expect(freeze.detail.jobId).toBe(jobId);
    expect(freeze.detail.defect.type).toBe("freeze");
    expect(freeze.detail.defect.start).toBeCloseTo(2, 0);
    const viewedFreeze = view?.defects.find((d) => d.type === "freeze");
    expect(viewedFreeze?.alertId).toBe(freeze.detail.alertId);
    expect(viewedFreeze?.end).toBeCloseTo(5, 0);
  });

  it("completes a job whose worker died mid-job on another worker, and subscribers see each alert once", async () => {
    const clip = await longerClip();
    const { stack, url, post } = await startStack({ queue: { visibilityTimeoutSeconds: 1 } });
    stacks.push(stack);
    const subscriber = await subscribeSse(url);
    closers.push(subscriber.close);
    let halted: Promise<void> | undefined;
    const completedBeforeHalt: boolean[] = [];
    stack.bus.subscribe({ "detail-type": ["Defect Detected"] }, () => {
      // Killed at its first alert, as a crashed process would be: no release, no ack, no further events.
      halted ??= stack.worker.halt();
    });
    stack.bus.subscribe({ "detail-type": ["Job Completed"] }, () => {
      completedBeforeHalt.push(halted === undefined);
    });

    const { jobId } = (await (
      await post("/v1/jobs", { source: clip, detectors: ["black", "freeze"] })
    ).json()) as { jobId: string };
    await waitFor(() => halted !== undefined, 60_000);
    await halted;
    const second: Worker = stack.createWorker();
    second.start();
    closers.push(async () => void (await second.stop(1000)));
    await waitFor(async () => (await stack.store.get(jobId))?.status === "completed", 60_000);
    await waitFor(() => subscriber.events.some((e) => e["detail-type"] === "Job Completed"));

    expect(completedBeforeHalt).toEqual([false]);
    const ofJob = subscriber.events.filter((e) => e.detail.jobId === jobId);
    const started = ofJob.filter((e) => e["detail-type"] === "Job Started");
    expect(started.map((e) => (e.detail as { attempt: number }).attempt)).toEqual([1, 2]);
    for (const type of ["Defect Detected", "Defect Cleared"] as const) {
      const alertIds = ofJob
        .filter((e) => e["detail-type"] === type)
        .map((e) => (e.detail as { alertId: string }).alertId);
      expect(new Set(alertIds).size).toBe(alertIds.length);
    }
    const detected = ofJob.flatMap((e) =>
      e["detail-type"] === "Defect Detected" ? [e.detail.defect.type] : [],
    );
    expect(detected.sort()).toEqual(["black", "freeze"]);
    const view = await stack.store.get(jobId);
    expect(view?.attempt).toBe(2);
    expect(view?.defects.map((d) => d.type)).toEqual(["freeze", "black"]);
  });
});
