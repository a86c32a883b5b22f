/**
 * A file job past one of the analysis limits ends as Job Failed with the limit's code: LIMIT_REACHED at once
 * (the same source under the same limits ends the same way), STALLED after its retries. The limits come from
 * the settings, through the real engine (mediaAnalyzer) and the local stack's wiring.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { parseConfig } from "../../core-service/src/config.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { mediaAnalyzer } from "../../core-service/src/worker/analyzer.ts";
import { startStack } from "../server/stack-fixture.ts";
import { faultClip, processesMatching, silentFifo } from "../support/fault-injection.ts";
import { startLiveOrigin } from "../support/live-origin.ts";
import { aQueueMessage, startedWorkers, waitFor, workerHarness } from "./worker-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "avmon-job-limits-"));
let clip: string;

beforeAll(async () => {
  clip = await faultClip();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const failureOf = (events: readonly AvmonEvent[], jobId: string) =>
  events.find((e) => e.detail.jobId === jobId && e["detail-type"] === "Job Failed")?.detail;

describe("file jobs past an analysis limit", () => {
  const started = startedWorkers();

  it("fail at once as LIMIT_REACHED, not retried, when the media is over the duration cap", async () => {
    const { queue, events, createWorker, detailTypes } = workerHarness({ maxReceiveCount: 3 });
    const { analysisLimits } = parseConfig({ AVMON_MAX_MEDIA_SECONDS: "10" });
    const message = aQueueMessage({ source: clip });
    await queue.send(message);
    started(
      createWorker(mediaAnalyzer({ allowLocalFiles: true, limits: analysisLimits }), { maxReceiveCount: 3 }),
    );

    await waitFor(() => detailTypes(message.jobId).includes("Job Failed"), 30_000);
    expect(detailTypes(message.jobId)).toEqual(["Job Started", "Job Failed"]);
    expect(failureOf(events, message.jobId)).toMatchObject({
      error: {
        code: "LIMIT_REACHED",
        retryable: false,
        message: expect.stringMatching(/media-duration cap of 10 s \(AVMON_MAX_MEDIA_SECONDS\)/),
      },
    });
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts()).toMatchObject({ visible: 0, deadLetters: 0 });
  });

  it("fail as STALLED after their retries when the source never delivers, leaving no ffprobe behind", async () => {
    const { queue, events, createWorker, detailTypes } = workerHarness({ maxReceiveCount: 2 });
    const { analysisLimits } = parseConfig({ AVMON_STALL_SECONDS: "1" });
    const fifo = silentFifo(dir, "stalled.mp4");
    const message = aQueueMessage({ source: fifo });
    await queue.send(message);
    started(
      createWorker(mediaAnalyzer({ allowLocalFiles: true, limits: analysisLimits }), { maxReceiveCount: 2 }),
    );

    await waitFor(() => detailTypes(message.jobId).includes("Job Failed"), 30_000);
    expect(detailTypes(message.jobId)).toEqual(["Job Started", "Job Started", "Job Failed"]);
    expect(failureOf(events, message.jobId)).toMatchObject({
      error: { code: "STALLED", retryable: true },
    });
    expect(processesMatching(fifo)).toBe("");
  });
});

describe("the local stack", () => {
  const stacks: LocalStack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop(2000)));
  });

  it("runs file jobs under the limits of its settings (AVMON_MAX_PIXELS)", async () => {
    const { stack, dataDir } = await startStack({}, { AVMON_MAX_PIXELS: "10000" });
    stacks.push(stack);
    const source = join(dataDir, "clip.mp4");
    copyFileSync(clip, source);
    const events: AvmonEvent[] = [];
    stack.bus.subscribe({ source: ["avmon"] }, (event) => {
      events.push(event);
    });
    const submitted = await stack.intake.submit({ source }, undefined);
    if (submitted.kind !== "accepted") throw new Error(`job not accepted: ${JSON.stringify(submitted)}`);
    const { jobId } = submitted;

    await waitFor(() => failureOf(events, jobId) !== undefined, 30_000);
    expect(failureOf(events, jobId)).toMatchObject({
      error: {
        code: "LIMIT_REACHED",
        message: expect.stringMatching(
          /320×180 .* over the decode budget of 10000 pixels \(AVMON_MAX_PIXELS\)/,
        ),
      },
    });
  });

  it("runs live jobs under its decode budget too (AVMON_MAX_PIXELS)", async () => {
    const origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 20 });
    try {
      const { stack } = await startStack({}, { AVMON_MAX_PIXELS: "10000" });
      stacks.push(stack);
      const events: AvmonEvent[] = [];
      stack.bus.subscribe({ source: ["avmon"] }, (event) => {
        events.push(event);
      });
      const submitted = await stack.intake.submit({ source: origin.url, mode: "live" }, undefined);
      if (submitted.kind !== "accepted") throw new Error(`job not accepted: ${JSON.stringify(submitted)}`);

      await waitFor(() => failureOf(events, submitted.jobId) !== undefined, 30_000);
      expect(failureOf(events, submitted.jobId)).toMatchObject({
        error: {
          code: "LIMIT_REACHED",
          message: expect.stringMatching(/over the decode budget of 10000 pixels/),
        },
      });
    } finally {
      await origin.close();
    }
  });
});
