/**
 * avmon on the production binary, Debian's ffmpeg 5.1 (this suite runs with FFMPEG_PATH/FFPROBE_PATH set to it):
 * capability detection reads its output, `avmon doctor` reports it without warnings, and the SRT live sources
 * the bundled build refuses are accepted.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { decodes, softwareDecoders } from "../../core-service/src/media/ffmpeg-capabilities.ts";
import { detectTools } from "../../core-service/src/media/ffmpeg-detection.ts";
import { startStack } from "../server/stack-fixture.ts";
import { expectOneLineError } from "../support/cli-expect.ts";
import { DEBIAN, envFor } from "../support/ffmpeg-builds.ts";
import { runCli } from "../support/run-cli.ts";
import { fakeLiveEngine } from "../worker/live-harness.ts";
import { waitFor } from "../worker/worker-harness.ts";

describe("capability detection on Debian's ffmpeg 5.1", () => {
  it("reads its version, and its protocols, demuxers, decoders and filters", async () => {
    const { ffmpeg, ffprobe } = await detectTools(DEBIAN, { cacheDir: null });

    expect(ffmpeg.version).toMatchObject({ major: 5, libavformat: "59.27.100" });
    expect(ffmpeg.version.text).toMatch(/^5\.1\.\d+-\d+\+deb12u\d+$/);
    expect(ffprobe.version).toEqual(ffmpeg.version);
    const caps = ffmpeg.capabilities;
    expect(caps.protocols).toEqual(expect.arrayContaining(["file", "https", "tls", "rtmp", "srt", "udp"]));
    expect(caps.protocols).not.toContain("icecast");
    // 5.x names the HLS demuxer "hls" alone (4.x: "hls,applehttp").
    expect(caps.demuxers).toEqual(expect.arrayContaining(["hls", "mov", "mp4", "matroska", "webm", "mxf"]));
    expect(caps.demuxers).not.toContain("applehttp");
    // FFmpeg's own av1 decoder only drives hardware; software AV1 is libdav1d or libaom-av1.
    expect(softwareDecoders(caps, "av1")).toEqual(["libdav1d", "libaom-av1"]);
    expect(decodes(caps, "hevc")).toBe(true);
    expect(caps.filters).toEqual(
      expect.arrayContaining(["blockdetect", "ebur128", "aspectralstats", "scale"]),
    );
  });
});

describe("avmon doctor on Debian's ffmpeg 5.1", () => {
  it("names both binaries, where they come from and their version, with no warning", async () => {
    const result = await runCli(["doctor"], { env: envFor(DEBIAN) });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^ffmpeg {3}\/usr\/bin\/ffmpeg\n {9}from FFMPEG_PATH · FFmpeg 5\.1\.\d+-\d+\+deb12u\d+ /m,
    );
    expect(result.stdout).toMatch(/^ffprobe {2}\/usr\/bin\/ffprobe\n {9}from FFPROBE_PATH · FFmpeg 5\.1\./m);
    expect(result.stdout).toMatch(/^ {2}srt {4}yes {2}live jobs over SRT$/m);
    expect(result.stdout).toMatch(/may use: blockdetect, ebur128/);
    expect(result.stdout).not.toContain("Warning");
    expect(result.stdout).toMatch(/Result: avmon can run with these binaries\.\n$/);
  });
});

describe("SRT sources on Debian's ffmpeg 5.1", () => {
  const stacks: LocalStack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop(1000)));
  });

  it("accepts a live SRT job through the local API and runs it", async () => {
    const engine = fakeLiveEngine();
    const { stack, post } = await startStack({ analyzeLive: engine.analyze });
    stacks.push(stack);

    const response = await post("/v1/jobs", { source: "srt://127.0.0.1:9000", mode: "live" });

    expect(response.status, await response.clone().text()).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    await waitFor(() => stack.worker.runningJobIds().includes(jobId));
    expect(engine.runs).toHaveLength(1);
  });

  it("tells avmon analyze that srt:// is for live jobs, in one line, exit 1", async () => {
    const result = await runCli(["analyze", "srt://127.0.0.1:9/live"], { env: envFor(DEBIAN) });

    expect(result.code).toBe(1);
    expectOneLineError(
      result.stderr,
      /srt:\/\/127\.0\.0\.1:9\/live: srt:\/\/ is a live protocol: only a live job/,
    );
    expect(result.stderr).not.toContain("apt-get");
  });
});
