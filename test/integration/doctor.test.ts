/**
 * `avmon doctor` on the bundled builds and on binaries that cannot run; test/production-ffmpeg/debian-ffmpeg.test.ts
 * runs it on Debian's 5.1.
 */
import { describe, expect, it } from "vitest";
import { BUNDLED, envFor } from "../support/ffmpeg-builds.ts";
import { runCli } from "../support/run-cli.ts";

describe("avmon doctor", () => {
  it("names the bundled binaries and their versions, says what they cannot do, and warns to replace them", async () => {
    const result = await runCli(["doctor"], { env: envFor(BUNDLED) });

    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain(`ffmpeg   ${BUNDLED.ffmpeg}\n`);
    expect(out).toMatch(
      /bundled \(npm @ffmpeg-installer\/ffmpeg\) · FFmpeg 4\.x snapshot N-47683-\S+ \(2018\)/,
    );
    expect(out).toContain(`ffprobe  ${BUNDLED.ffprobe}\n`);
    expect(out).toMatch(
      /bundled \(npm @ffprobe-installer\/ffprobe\) · FFmpeg 6\.x snapshot N-66595-\S+ \(2023\)/,
    );
    expect(out).toMatch(
      /^ {2}srt {4}no {3}live jobs over SRT: ffmpeg has no srt protocol \(it was built without libsrt\)$/m,
    );
    expect(out).toMatch(/^ {2}rtmp {3}yes/m);
    expect(out).toMatch(/^ {2}https {2}yes/m);
    expect(out).toMatch(/missing: blockdetect — block-corruption score/);
    expect(out).toMatch(
      /^Warning: ffmpeg is the build bundled with avmon's npm dependencies \(FFmpeg 4\.x from 2018.*years of published CVEs behind; it lacks srt, blockdetect/m,
    );
    expect(out).toContain("apt-get install ffmpeg");
    expect(out).toContain("FFMPEG_PATH=/usr/bin/ffmpeg and FFPROBE_PATH=/usr/bin/ffprobe");
    expect(out).toMatch(/Result: avmon can run with these binaries \(3 warnings\)\.\n$/);
  });

  it("exits 1 and says why when FFMPEG_PATH names no binary, still reporting ffprobe", async () => {
    const result = await runCli(["doctor"], {
      env: { ...envFor(BUNDLED), FFMPEG_PATH: "/nonexistent/ffmpeg" },
    });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^ffmpeg {3}UNUSABLE: cannot run \/nonexistent\/ffmpeg -protocols: no such file \(the path is FFMPEG_PATH's\)$/m,
    );
    expect(result.stdout).toContain(`ffprobe  ${BUNDLED.ffprobe}\n`);
    expect(result.stdout).toMatch(/Result: avmon cannot run with these binaries\.\n$/);
  });

  it("exits 1 when FFPROBE_PATH names a program that is not ffprobe", async () => {
    const result = await runCli(["doctor"], { env: { ...envFor(BUNDLED), FFPROBE_PATH: "/bin/true" } });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ffprobe {2}UNUSABLE: \/bin\/true does not look like ffmpeg or ffprobe/m);
  });

  it("is listed in the usage", async () => {
    const result = await runCli(["help"]);
    expect(result.stdout).toMatch(/avmon doctor +which ffmpeg and ffprobe avmon runs/);
  });
});
