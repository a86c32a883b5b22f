import { describe, expect, it } from "vitest";
import { JobRequest } from "../../core-service/src/domain/job.ts";
import { fanOut, groupsOf } from "../../edge-functions/shared/fan-out.ts";

const GROUPS = [
  { name: "video", detectors: ["black", "freeze", "blockiness"] as const, queueUrl: "https://sqs/video" },
  { name: "audio", detectors: ["silence", "clipping", "loudness"] as const, queueUrl: "https://sqs/audio" },
].map((g) => ({ ...g, detectors: [...g.detectors] }));

describe("fanning a job out to detector groups", () => {
  it("gives each group its share of the detectors and thresholds", () => {
    const request = JobRequest.parse({
      source: "https://example.com/a.mp4",
      detectors: ["freeze", "silence"],
      thresholds: { freeze: { minDuration: 3 }, silence: { floorDb: -50 } },
    });
    const dispatches = fanOut("job-1", request, GROUPS);
    expect(groupsOf(dispatches)).toEqual(["video", "audio"]);
    expect(dispatches.map((d) => [d.queueUrl, d.message.detectors, d.message.thresholds])).toEqual([
      ["https://sqs/video", ["freeze"], { freeze: { minDuration: 3 } }],
      ["https://sqs/audio", ["silence"], { silence: { floorDb: -50 } }],
    ]);
  });

  it("carries a live job's options to every group", () => {
    const request = JobRequest.parse({
      source: "https://example.com/live.m3u8",
      mode: "live",
      live: { maxDurationSeconds: 3600 },
    });
    const dispatches = fanOut("job-2", request, GROUPS);
    expect(dispatches).toHaveLength(2);
    for (const d of dispatches)
      expect(d.message).toMatchObject({ mode: "live", live: { maxDurationSeconds: 3600 } });
  });

  it("skips a group that runs none of the wanted detectors", () => {
    const request = JobRequest.parse({ source: "https://example.com/a.mp4", detectors: ["loudness"] });
    expect(groupsOf(fanOut("job-3", request, GROUPS))).toEqual(["audio"]);
  });
});
