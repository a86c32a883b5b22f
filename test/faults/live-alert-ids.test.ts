/**
 * Two runs of one live job (a duplicated SQS delivery, or a redelivery that overlaps the run it replaces) watch
 * the same stream. Each must name a defect with the same alertId, derived from the job and the defect, so that
 * subscribers and the notifier, which de-duplicate on it, hear of the defect once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertId } from "../../core-service/src/domain/events.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { runLiveJob } from "../support/live-run.ts";
import { aQueueMessage, waitFor } from "../worker/worker-harness.ts";

const BLACK = { start: 6, end: 9 };

let origin: LiveOrigin;
beforeAll(async () => {
  origin = await startLiveOrigin({ protocol: "hls", duration: 16, video: [{ type: "black", ...BLACK }] });
  await waitFor(() => origin.availableAt(1) !== undefined, 20_000);
});
afterAll(async () => {
  await origin.close();
});

describe("live alertIds", () => {
  it("gives a defect the same alertId in two overlapping runs of one live job, derived from the job and the defect", async () => {
    const message = aQueueMessage({ source: origin.url, mode: "live" });
    const first = runLiveJob(message, ["black"]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = runLiveJob(message, ["black"]);
    // The black picture's close: a loaded machine may also see a stall first, which is not what is compared.
    const cleared = (run: ReturnType<typeof runLiveJob>) =>
      run.events.some((e) => e.kind === "close" && e.defect.type === "black");
    try {
      await waitFor(() => cleared(first) && cleared(second), 40_000);
    } finally {
      first.stop();
      second.stop();
    }
    await Promise.all([first.done, second.done]);

    const opens = [first, second].map((run) =>
      run.events.find((e) => e.kind === "open" && e.defect.type === "black"),
    );
    expect(opens[0]?.defect.start).toBeGreaterThan(0);
    expect(opens[1]?.alertId).toBe(opens[0]?.alertId);
    expect(opens[0]?.alertId).toBe(
      alertId(message.jobId, { type: "black", start: opens[0]?.defect.start ?? -1 }),
    );
    const closes = [first, second].flatMap((run) =>
      run.events.filter((e) => e.kind === "close" && e.defect.type === "black"),
    );
    expect(new Set(closes.map((e) => e.alertId))).toEqual(new Set([opens[0]?.alertId]));
  });
});
