/**
 * One detector can hold several defects of one type open at once: a loud burst and the true-peak over inside it
 * are both `loudness`, and start at the same instant when the level jumps. Each is its own alert, from the
 * detector through the bus to the job's view.
 */
import { describe, expect, it } from "vitest";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../../core-service/src/domain/limits.ts";
import { mediaAnalyzer } from "../../core-service/src/worker/analyzer.ts";
import { makeClip } from "../support/test-media.ts";
import { aQueueMessage, startedWorkers, waitFor, workerHarness } from "./worker-harness.ts";

/** 5 s raised to −0.5 dBFS: 22.5 LU above target for more than 3 s, and over −1 dBTP from its first sample. */
const burstOverTruePeak = () =>
  makeClip({
    duration: 20,
    container: "wav",
    audio: { codec: "pcm_s16le", channels: 2, events: [{ type: "level", start: 10, end: 15, dbfs: -0.5 }] },
  });

const defectEvents = (events: readonly AvmonEvent[], jobId: string, detailType: AvmonEvent["detail-type"]) =>
  events.flatMap((e) =>
    e.detail.jobId === jobId && e["detail-type"] === detailType && "defect" in e.detail ? [e.detail] : [],
  );

describe("loudness defects of different kinds in a file job", () => {
  const started = startedWorkers();

  it("publishes a loud burst and its true-peak over, starting together, as two alerts that each clear", async () => {
    const { queue, store, events, createWorker, detailTypes } = workerHarness();
    const message = aQueueMessage({ source: await burstOverTruePeak(), detectors: ["loudness"] });
    await queue.send(message);
    started(
      createWorker(mediaAnalyzer({ allowLocalFiles: true, limits: DEFAULT_ANALYSIS_LIMITS }), {
        detectors: ["loudness"],
      }),
    );

    await waitFor(() => detailTypes(message.jobId).includes("Job Completed"), 60_000);
    const detected = defectEvents(events, message.jobId, "Defect Detected");
    const cleared = defectEvents(events, message.jobId, "Defect Cleared");
    expect(detected.map((d) => Object.keys(d.defect.metrics)[0]).sort()).toEqual(["shortTerm", "truePeak"]);
    // Same onset to the millisecond: only the kind tells the two alerts apart.
    expect(detected[0]?.defect.start.toFixed(3)).toBe(detected[1]?.defect.start.toFixed(3));
    expect(new Set(detected.map((d) => d.alertId)).size).toBe(2);
    expect(cleared.map((d) => d.alertId).sort()).toEqual(detected.map((d) => d.alertId).sort());
    for (const clear of cleared) {
      const open = detected.find((d) => d.alertId === clear.alertId);
      expect(Object.keys(clear.defect.metrics)).toEqual(Object.keys(open?.defect.metrics ?? {}));
    }
    const view = await store.get(message.jobId);
    expect(view?.defects).toHaveLength(2);
  });
});
