/**
 * The report says what an analysis cost in CPU, ffmpeg's decode included: `stats.cpuSeconds` counts avmon's
 * process and the children it reaped (media/cpu-meter.ts), and `cpuSecondsPerMediaHour` scales it to an hour.
 */
import { describe, expect, it } from "vitest";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { makeClip } from "../support/test-media.ts";

describe("stats.cpuSeconds", () => {
  it("counts ffmpeg's decode beside avmon's own CPU, and scales to an hour of media", async () => {
    const clip = await makeClip({
      duration: 8,
      container: "mp4",
      video: { codec: "libx264", size: "1280x720", fps: "30", content: "testsrc2" },
      audio: { codec: "aac", channels: 2 },
    });
    const ownBefore = process.cpuUsage();
    const report = await analyzeSource(clip, { allowLocalFiles: true });
    const own = process.cpuUsage(ownBefore);
    const ownSeconds = (own.user + own.system) / 1e6;
    const { cpuSeconds, cpuSecondsPerMediaHour } = report.stats;
    // More than this process alone: ffprobe and the decode of 240 720p pictures were counted too.
    expect(cpuSeconds).toBeGreaterThan(ownSeconds + 0.1);
    // A sanity bound, not a timing: no more CPU than two cores for the whole wall time (and a tick of slack).
    expect(cpuSeconds).toBeLessThanOrEqual(report.stats.wallSeconds * 2 + 0.05);
    expect(cpuSecondsPerMediaHour).toBeCloseTo(((cpuSeconds ?? 0) * 3600) / report.media.duration, -1);
  });
});
