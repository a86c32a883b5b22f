/**
 * The live sources the README offers (RTMP, SRT, UDP) through the local API: accepted in live jobs where the
 * ffmpeg reads them, refused with a 400 naming `source` otherwise, and never in file jobs. Here the ffmpeg is
 * the bundled build (no libsrt); test/production-ffmpeg/debian-ffmpeg.test.ts accepts SRT on Debian's 5.1.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { BUNDLED, supportFrom } from "../support/ffmpeg-builds.ts";
import { fakeLiveEngine } from "../worker/live-harness.ts";
import { waitFor } from "../worker/worker-harness.ts";
import { startStack } from "./stack-fixture.ts";

describe("live sources through the local API", () => {
  const stacks: LocalStack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop(1000)));
  });
  const start = async (options: Parameters<typeof startStack>[0] = {}) => {
    const started = await startStack({ ffmpegSupport: supportFrom(BUNDLED), ...options });
    stacks.push(started.stack);
    return started;
  };

  it.each(["rtmp://127.0.0.1:1935/live/channel1", "udp://127.0.0.1:5000"])(
    "accepts the live job %s, which the ffmpeg reads, and runs it",
    async (source) => {
      const engine = fakeLiveEngine();
      const { stack, post } = await start({ analyzeLive: engine.analyze });

      const response = await post("/v1/jobs", { source, mode: "live" });

      expect(response.status).toBe(202);
      const { jobId } = (await response.json()) as { jobId: string };
      await waitFor(() => stack.worker.runningJobIds().includes(jobId));
      expect(engine.runs).toHaveLength(1);
    },
  );

  it("refuses a live SRT job on an ffmpeg without libsrt with a 400 naming source and what to install", async () => {
    const { stack, post } = await start({ analyzeLive: fakeLiveEngine().analyze });

    const response = await post("/v1/jobs", { source: "srt://127.0.0.1:9000", mode: "live" });

    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; field: string };
    expect(answer.field).toBe("source");
    expect(answer.error).toMatch(
      /^source: srt:\/\/127\.0\.0\.1:9000: ffmpeg .* cannot read srt:\/\/ sources/,
    );
    expect(answer.error).toContain("built without libsrt");
    expect(answer.error).toContain("apt-get install ffmpeg");
    expect(stack.bus.published).toBe(0);
    expect(stack.queue.counts()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it.each([
    ["rtmp://127.0.0.1:1935/live/channel1", /is a live protocol/],
    ["udp://127.0.0.1:5000", /is a live protocol/],
    ["srt://127.0.0.1:9000", /cannot read srt:\/\/ sources/],
  ])("refuses the file job %s with a 400 naming source, queueing nothing", async (source, reason) => {
    const { stack, post } = await start();

    const response = await post("/v1/jobs", { source, mode: "file" });

    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; field: string };
    expect(answer.field).toBe("source");
    expect(answer.error).toMatch(reason);
    expect(stack.queue.counts()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
