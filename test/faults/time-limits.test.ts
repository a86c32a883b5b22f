/**
 * Time limits on the worker's side. A file job on an endless playlist ends at the media-duration cap (the
 * shared analysis limits). A file job cannot outlive SQS's 12-hour visibility cap (lowered here to a
 * few seconds, as the queue adapters allow for this purpose): it fails as LIMIT_REACHED naming the cap instead
 * of being redelivered from scratch, and a redelivery that finds the cap spent fails at once. A live job that
 * sets no maximum duration gets the worker's default (AVMON_LIVE_MAX_DURATION_SECONDS) and fails as
 * LIMIT_REACHED when it reaches it (one that asked for its own duration completes: test/worker/live-jobs).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../../core-service/src/domain/limits.ts";
import { mediaAnalyzer } from "../../core-service/src/worker/analyzer.ts";
import { startStack } from "../server/stack-fixture.ts";
import { processesMatching } from "../support/fault-injection.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import {
  aQueueMessage,
  endlessAnalyzer,
  startedWorkers,
  waitFor,
  workerHarness,
} from "../worker/worker-harness.ts";

let origin: LiveOrigin;
beforeAll(async () => {
  // An endless playlist (no #EXT-X-ENDLIST): a file job on it decodes until something stops it.
  origin = await startLiveOrigin({ protocol: "hls", duration: 20, loop: true });
  await waitFor(() => origin.availableAt(4) !== undefined, 20_000);
});
afterAll(async () => {
  await origin.close();
});

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((stop) => stop()));
});
const started = startedWorkers();

const failuresOf = (events: AvmonEvent[]) =>
  events.flatMap((e) => (e["detail-type"] === "Job Failed" ? [e.detail.error] : []));

/** Starts a local stack with `env` and records every event its bus carries. */
async function recordingStack(env: Record<string, string>) {
  const { stack, url, post } = await startStack({}, env);
  cleanup.push(() => stack.stop(0));
  const events: AvmonEvent[] = [];
  stack.bus.subscribe({ source: ["avmon"] }, (event) => {
    events.push(event);
  });
  return { url, post, events };
}

describe("file jobs on an endless playlist", () => {
  it("fails one as LIMIT_REACHED once the decoded media passes AVMON_MAX_MEDIA_SECONDS, naming the setting, and stops its ffmpeg", async () => {
    const { post, events } = await recordingStack({ AVMON_MAX_MEDIA_SECONDS: "3" });
    const source = `${origin.url}?time-limits=media-cap`;
    const accepted = await post("/v1/jobs", { source });
    expect(accepted.status).toBe(202);
    const { jobId } = (await accepted.json()) as { jobId: string };

    await waitFor(() => events.some((e) => e["detail-type"] === "Job Failed"), 30_000);
    expect(failuresOf(events)).toEqual([
      {
        code: "LIMIT_REACHED",
        retryable: false,
        message: expect.stringMatching(/media-duration cap of 3 s \(AVMON_MAX_MEDIA_SECONDS\)/),
      },
    ]);
    const kinds = events.filter((e) => e.detail.jobId === jobId).map((e) => e["detail-type"]);
    expect(kinds.toSorted()).toEqual(["Job Accepted", "Job Failed", "Job Started"]);
    expect(processesMatching(source)).toBe("");
  });
});

describe("file jobs and the visibility cap", () => {
  it("fails a file job on an endless playlist as LIMIT_REACHED at the cap, stops its ffmpeg and never starts it again", async () => {
    const { queue, events, detailTypes, createWorker } = workerHarness({
      visibilityTimeoutSeconds: 1,
      maxTotalVisibilitySeconds: 4,
    });
    const source = `${origin.url}?time-limits=cap`;
    const message = aQueueMessage({ source });
    await queue.send(message);
    started(createWorker(mediaAnalyzer({ limits: DEFAULT_ANALYSIS_LIMITS, allowLocalFiles: false })));
    await waitFor(() => processesMatching(source).includes("-filter_complex"), 10_000);

    await waitFor(() => detailTypes(message.jobId).includes("Job Failed"), 15_000);
    expect(failuresOf(events)).toEqual([
      { code: "LIMIT_REACHED", retryable: false, message: expect.stringMatching(/visibility cap of 4 s/) },
    ]);
    expect(processesMatching(source)).toBe("");
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 });
    expect(detailTypes(message.jobId)).toEqual(["Job Started", "Job Failed"]);
  });

  it("fails at once, without starting again from scratch, a redelivered file job whose earlier worker died near the cap", async () => {
    const { queue, events, detailTypes, createWorker } = workerHarness({
      visibilityTimeoutSeconds: 1,
      maxTotalVisibilitySeconds: 3,
    });
    const message = aQueueMessage();
    await queue.send(message);
    const endless = endlessAnalyzer();
    const first = started(createWorker(endless.analyze));
    await endless.started;
    const [firstStart] = events;
    // Dies as a killed process would (no release, no Job Failed) 1.5 s into its 3 s cap.
    await new Promise((resolve) =>
      setTimeout(resolve, 1500 - (Date.now() - Date.parse(firstStart?.time ?? ""))),
    );
    await first.halt();

    const again = endlessAnalyzer();
    let secondRunStarted = false;
    void again.started.then(() => {
      secondRunStarted = true;
    });
    started(createWorker(again.analyze));
    await waitFor(() => detailTypes(message.jobId).includes("Job Failed"), 10_000);

    expect(detailTypes(message.jobId)).toEqual(["Job Started", "Job Failed"]);
    expect(failuresOf(events)).toEqual([
      expect.objectContaining({ code: "LIMIT_REACHED", message: expect.stringMatching(/first delivery/) }),
    ]);
    expect(secondRunStarted).toBe(false);
    await waitFor(() => queue.counts().inFlight === 0);
    expect(queue.counts()).toMatchObject({ visible: 0, delayed: 0, deadLetters: 0 });
  });
});

describe("live jobs' maximum duration", () => {
  it("fails a live job that reaches the default maximum duration as LIMIT_REACHED, naming the setting", async () => {
    const { url, post, events } = await recordingStack({ AVMON_LIVE_MAX_DURATION_SECONDS: "3" });
    const accepted = await post("/v1/jobs", { source: `${origin.url}?time-limits=live`, mode: "live" });
    expect(accepted.status).toBe(202);
    const { jobId } = (await accepted.json()) as { jobId: string };

    await waitFor(() => events.some((e) => e["detail-type"] === "Job Failed"), 20_000);
    const kinds = events
      .filter((e) => e.detail.jobId === jobId && e["detail-type"] !== "Job Progress")
      .map((e) => e["detail-type"]);
    // Job Accepted follows the enqueue, so a quick worker may announce Job Started first (Job Progress, the
    // running job's usage, is left out).
    expect(kinds.toSorted()).toEqual(["Job Accepted", "Job Failed", "Job Started"]);
    expect(kinds.at(-1)).toBe("Job Failed");
    expect(failuresOf(events)).toEqual([
      {
        code: "LIMIT_REACHED",
        retryable: false,
        message: expect.stringMatching(/default maximum duration of 3 s \(AVMON_LIVE_MAX_DURATION_SECONDS\)/),
      },
    ]);
    const view = (await (await fetch(`${url}/v1/jobs/${jobId}`)).json()) as { status: string };
    expect(view.status).toBe("failed");
    expect(processesMatching(`${origin.url}?time-limits=live`)).toBe("");
  });
});
