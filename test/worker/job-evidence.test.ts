/**
 * Evidence of worker jobs, end to end: a file job on the local stack (real ffmpeg, real HTTP) whose Defect
 * Detected events name images the API then serves from the data folder, checked for content; a live job's
 * alerts likewise; and a store that fails, which costs the alerts their pictures and nothing else.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import type { DefectDetectedEvent } from "../../core-service/src/domain/events.ts";
import { evidenceUrl } from "../../core-service/src/domain/evidence.ts";
import type { JobView } from "../../core-service/src/domain/job-projection.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../../core-service/src/domain/limits.ts";
import { mediaAnalyzer } from "../../core-service/src/worker/analyzer.ts";
import { startStack } from "../server/stack-fixture.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { decodePicture, meanLevel } from "../support/picture-content.ts";
import { makeClip } from "../support/test-media.ts";
import { aQueueMessage, startedWorkers, waitFor, workerHarness } from "./worker-harness.ts";

let clip: string;
beforeAll(async () => {
  clip = await makeClip({
    duration: 8,
    container: "mp4",
    video: { codec: "libx264", size: "640x360", fps: "25", events: [{ type: "black", start: 1, end: 3 }] },
    audio: { codec: "aac", channels: 2, events: [{ type: "silence", start: 4, end: 7 }] },
  });
});

const stacks: LocalStack[] = [];
const origins: LiveOrigin[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop(1000)));
  await Promise.all(origins.splice(0).map((origin) => origin.close()));
});

async function start() {
  const started = await startStack();
  stacks.push(started.stack);
  const detected: DefectDetectedEvent[] = [];
  started.stack.bus.subscribe({ "detail-type": ["Defect Detected"] }, (event) => {
    if (event["detail-type"] === "Defect Detected") detected.push(event);
  });
  return { ...started, detected };
}

async function jobView(url: string, jobId: string): Promise<JobView> {
  return (await (await fetch(`${url}/v1/jobs/${jobId}`)).json()) as JobView;
}

describe("evidence of a job on the local stack", () => {
  it("names each defect's image on its Defect Detected and serves it from the data folder", async () => {
    const { url, post, detected } = await start();
    const { jobId } = (await (
      await post("/v1/jobs", { source: clip, detectors: ["black", "silence"] })
    ).json()) as { jobId: string };
    await waitFor(async () => (await jobView(url, jobId)).status === "completed", 60_000);

    const byType = new Map(detected.map((e) => [e.detail.defect.type, e.detail]));
    const black = byType.get("black");
    const silence = byType.get("silence");
    expect(black?.evidence).toEqual({
      thumbnail: evidenceUrl(jobId, black?.alertId ?? ""),
      at: expect.any(Number),
    });
    expect(silence?.evidence?.thumbnail).toBe(evidenceUrl(jobId, silence?.alertId ?? ""));

    const picture = await fetch(`${url}${black?.evidence?.thumbnail}`);
    expect(picture.status).toBe(200);
    expect(picture.headers.get("content-type")).toBe("image/jpeg");
    const rgb = decodePicture(new Uint8Array(await picture.arrayBuffer()));
    expect(rgb.width).toBeLessThanOrEqual(320);
    expect(meanLevel(rgb)).toBeLessThan(12);
    const strip = await fetch(`${url}${silence?.evidence?.thumbnail}`);
    expect(strip.headers.get("content-type")).toBe("image/svg+xml");
    expect(await strip.text()).toMatch(/^<svg [^>]*aria-label="silence at 00:04\.\d\d/);
    // The job's view and its report keep the same evidence.
    const view = await jobView(url, jobId);
    expect(view.defects.map((d) => d.evidence?.thumbnail)).toEqual([
      black?.evidence?.thumbnail,
      silence?.evidence?.thumbnail,
    ]);
    expect(view.summary?.defects.map((d) => d.evidence?.thumbnail)).toEqual([
      black?.evidence?.thumbnail,
      silence?.evidence?.thumbnail,
    ]);
  });

  it("names the picture of a live job's black on its Defect Detected", async () => {
    const origin = await startLiveOrigin({
      protocol: "mpegts-http",
      duration: 30,
      // Late enough that a slow start of the stream misses none of it.
      video: [{ type: "black", start: 10, end: 14 }],
    });
    origins.push(origin);
    const { url, post, detected } = await start();
    const { jobId } = (await (
      await post("/v1/jobs", { source: origin.url, mode: "live", detectors: ["black"] })
    ).json()) as { jobId: string };
    await waitFor(() => detected.some((e) => e.detail.defect.type === "black"), 45_000);
    await fetch(`${url}/v1/jobs/${jobId}`, { method: "DELETE" });

    const black = detected.find((e) => e.detail.defect.type === "black")?.detail;
    expect(black?.evidence?.thumbnail).toBe(evidenceUrl(jobId, black?.alertId ?? ""));
    const picture = await fetch(`${url}${black?.evidence?.thumbnail}`);
    expect(picture.status).toBe(200);
    expect(meanLevel(decodePicture(new Uint8Array(await picture.arrayBuffer())))).toBeLessThan(12);
  });
});

describe("a worker whose evidence store fails", () => {
  const started = startedWorkers();

  it("still publishes every alert, without evidence, and completes the job", async () => {
    const { queue, events, createWorker, detailTypes } = workerHarness();
    const message = aQueueMessage({ source: clip, detectors: ["black", "silence"] });
    const failures: string[] = [];
    started(
      createWorker(mediaAnalyzer({ allowLocalFiles: true, limits: DEFAULT_ANALYSIS_LIMITS }), {
        evidence: {
          put: async (key) => {
            failures.push(key);
            throw new Error("disk full");
          },
        },
      }),
    );

    await queue.send(message);
    await waitFor(() => detailTypes(message.jobId).includes("Job Completed"), 60_000);

    const detected = events.filter((e): e is DefectDetectedEvent => e["detail-type"] === "Defect Detected");
    expect(detected.map((e) => e.detail.defect.type)).toEqual(["black", "silence"]);
    expect(detected.map((e) => e.detail.evidence)).toEqual([undefined, undefined]);
    expect(failures).toHaveLength(2);
  });
});
