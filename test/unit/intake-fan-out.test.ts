import { describe, expect, it } from "vitest";
import { JobRequest } from "../../core-service/src/domain/job.ts";
import {
  acceptedDetail,
  type Dispatch,
  fanOut,
  type IntakeTarget,
} from "../../core-service/src/intake/fan-out.ts";

const queue = { send: async () => {} };
const GROUPS: IntakeTarget[] = [
  { group: "video", detectors: ["black", "freeze", "blockiness"], queue },
  { group: "audio", detectors: ["silence", "clipping", "loudness"], queue },
];
const groupsOf = (dispatches: Dispatch[]) => dispatches.map((d) => d.target.group);

describe("fanning a job out to detector groups", () => {
  it("gives each group its share of the detectors and thresholds", () => {
    const request = JobRequest.parse({
      source: "https://example.com/a.mp4",
      detectors: ["freeze", "silence"],
      thresholds: { freeze: { minDuration: 3 }, silence: { floorDb: -50 } },
    });
    const dispatches = fanOut("job-1", request, GROUPS);
    expect(groupsOf(dispatches)).toEqual(["video", "audio"]);
    expect(dispatches.map((d) => [d.target.group, d.message.detectors, d.message.thresholds])).toEqual([
      ["video", ["freeze"], { freeze: { minDuration: 3 } }],
      ["audio", ["silence"], { silence: { floorDb: -50 } }],
    ]);
    expect(acceptedDetail(request, dispatches)).toMatchObject({
      detectors: ["freeze", "silence"],
      groups: ["video", "audio"],
    });
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

  it("names no groups in Job Accepted when one unnamed target runs every job (the local stack)", () => {
    const request = JobRequest.parse({ source: "/media/a.mp4" });
    const local: IntakeTarget[] = [{ detectors: ["black", "silence"], queue }];
    const dispatches = fanOut("job-4", request, local);
    expect(dispatches.map((d) => d.message.detectors)).toEqual([["black", "silence"]]);
    expect(acceptedDetail(request, dispatches)).not.toHaveProperty("groups");
  });
});
