/**
 * Sources refused at submission when the binaries that would read them cannot, told what to install: against the
 * real bundled builds (no libsrt in its ffmpeg). test/production-ffmpeg/ shows Debian's 5.1 accepting them.
 */
import { describe, expect, it } from "vitest";
import { InvalidSourceError } from "../../core-service/src/domain/errors.ts";
import { resolveSupportedSource } from "../../core-service/src/media/source-support.ts";
import { expectOneLineError } from "../support/cli-expect.ts";
import { BUNDLED, envFor, supportFrom } from "../support/ffmpeg-builds.ts";
import { runCli } from "../support/run-cli.ts";

const bundled = supportFrom(BUNDLED);

describe("checking a source against the bundled ffmpeg", () => {
  it("refuses a live srt:// source, naming the binary, the missing libsrt and what to install", async () => {
    const refused = await resolveSupportedSource("srt://127.0.0.1:9000?streamid=live", {
      allowLocalFiles: false,
      live: true,
      support: bundled,
    }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(InvalidSourceError);
    const { message } = refused as InvalidSourceError;
    expect(message).toMatch(/^srt:\/\/127\.0\.0\.1:9000\?streamid=live: /);
    expect(message).toContain(`ffmpeg ${BUNDLED.ffmpeg} (bundled, FFmpeg 4.x snapshot`);
    expect(message).toContain(
      "cannot read srt:// sources: it has no srt protocol (it was built without libsrt). Install a current ffmpeg (on Debian or Ubuntu: apt-get install ffmpeg), then set FFMPEG_PATH=/usr/bin/ffmpeg and FFPROBE_PATH=/usr/bin/ffprobe",
    );
  });

  it.each(["rtmp://127.0.0.1:1935/live/channel1", "udp://127.0.0.1:5000", "http://127.0.0.1:8080/live.m3u8"])(
    "accepts the live source %s, which it can read",
    async (source) => {
      const resolved = await resolveSupportedSource(source, {
        allowLocalFiles: false,
        live: true,
        support: bundled,
      });
      expect(resolved.kind).toBe("url");
      expect(resolved.input).toBe(new URL(source).href);
    },
  );

  it.each(["rtmp://127.0.0.1:1935/live/channel1", "udp://127.0.0.1:5000"])(
    "refuses %s in a file job: a socket that never ends is for live jobs",
    async (source) => {
      await expect(
        resolveSupportedSource(source, { allowLocalFiles: false, support: bundled }),
      ).rejects.toThrow(/is a live protocol: only a live job \("mode": "live"\) may read it/);
    },
  );

  it("asks the binaries nothing about a local file, which every build can read", async () => {
    const unaskable = async () => {
      throw new Error("the binaries were asked");
    };
    const resolved = await resolveSupportedSource("clip.mp4", { allowLocalFiles: true, support: unaskable });
    expect(resolved.kind).toBe("file");
  });
});

describe("avmon analyze on the bundled ffmpeg", () => {
  it("refuses an srt:// source up front with one line saying what to install, and exits 1", async () => {
    const result = await runCli(["analyze", "srt://127.0.0.1:9/live"], { env: envFor(BUNDLED) });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expectOneLineError(
      result.stderr,
      /srt:\/\/127\.0\.0\.1:9\/live: ffmpeg .* cannot read srt:\/\/ sources: it has no srt protocol \(it was built without libsrt\)\. Install a current ffmpeg \(on Debian or Ubuntu: apt-get install ffmpeg\)/,
    );
  });
});
