/**
 * `avmon analyze` as a process, when analysis goes wrong: one line on stderr naming the problem (no stack
 * trace), a non-zero exit within two seconds of the fault, and neither avmon nor any ffmpeg left running.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { expectOneLineError } from "../support/cli-expect.ts";
import {
  faultClip,
  processesMatching,
  SETTLE_MS,
  STALL_AFTER_START_SECONDS,
  silentFifo,
  uniqueCopy,
  waitForProcess,
} from "../support/fault-injection.ts";
import { decodeBomb } from "../support/hostile-media.ts";
import { type CliResult, collectCli, runCli, startCli } from "../support/run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "avmon-cli-invariant-"));
let clip: string;

beforeAll(async () => {
  clip = await faultClip();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Waits for `avmon` to end and says when (performance.now()). */
async function ended(result: Promise<CliResult>): Promise<CliResult & { at: number }> {
  const outcome = await result;
  return { ...outcome, at: performance.now() };
}

/** The decoding ffmpeg of `path`, stopped (SIGSTOP) so that the fault happens mid-decode. */
async function stoppedDecoder(path: string): Promise<number> {
  const pid = await waitForProcess([`file:${path}`, "-filter_complex"]);
  process.kill(pid, "SIGSTOP");
  return pid;
}

describe("avmon analyze ends with one line and leaves nothing running", () => {
  it("when the source never answers the probe", async () => {
    const fifo = silentFifo(dir, "silent.mp4");
    const run = startCli(["analyze", fifo], { env: { AVMON_STALL_SECONDS: "1" } });
    await waitForProcess([fifo, "-show_streams"]);
    const faultAt = performance.now();
    const result = await ended(run.result);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /no answer within 1 s/);
    expect(result.at - faultAt).toBeLessThan(1000 + SETTLE_MS);
    expect(processesMatching(fifo)).toBe("");
  });

  it("when ffmpeg is killed mid-decode", async () => {
    const path = uniqueCopy(dir, clip);
    const run = startCli(["analyze", path]);
    const pid = await stoppedDecoder(path);
    const killedAt = performance.now();
    process.kill(pid, "SIGKILL");
    const result = await ended(run.result);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /ffmpeg died \(SIGKILL\) while decoding/);
    expect(result.at - killedAt).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("when ffmpeg stops making progress", async () => {
    const path = uniqueCopy(dir, clip);
    const run = startCli(["analyze", path], { env: { AVMON_STALL_SECONDS: `${STALL_AFTER_START_SECONDS}` } });
    await stoppedDecoder(path);
    const stoppedAt = performance.now();
    const result = await ended(run.result);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /no picture or audio sample decoded for 3 s \(AVMON_STALL_SECONDS\)/);
    expect(result.at - stoppedAt).toBeLessThan(STALL_AFTER_START_SECONDS * 1000 + SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("when one of ffmpeg's pipes closes early", async () => {
    // ffmpeg behind a wrapper that cuts its native-picture pipe (fd 3) after 200 kB: a broken pipe mid-decode.
    const wrapper = join(dir, "ffmpeg-cut-fd3.sh");
    writeFileSync(wrapper, '#!/bin/bash\nexec "$REAL_FFMPEG" "$@" 3> >(head -c 200000 >/dev/null)\n');
    chmodSync(wrapper, 0o755);
    const path = uniqueCopy(dir, clip);
    const result = await runCli(["analyze", path], {
      env: { FFMPEG_PATH: wrapper, REAL_FFMPEG: ffmpegBinaries().ffmpeg },
    });
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /ffmpeg (failed on|died)/);
    expect(processesMatching(path)).toBe("");
  });

  it("when the media is longer than the media-duration cap", async () => {
    const result = await runCli(["analyze", clip], { env: { AVMON_MAX_MEDIA_SECONDS: "10" } });
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /over the media-duration cap of 10 s \(AVMON_MAX_MEDIA_SECONDS\)/);
  });

  it("when the pictures are over the decode budget", async () => {
    const result = await runCli(["analyze", await decodeBomb()]);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /over the decode budget of 35389440 pixels \(AVMON_MAX_PIXELS\)/);
  });

  it("when a limit's setting is invalid (exit 2, naming the variable)", async () => {
    const result = await runCli(["analyze", clip], { env: { AVMON_STALL_SECONDS: "soon" } });
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /AVMON_STALL_SECONDS/);
  });

  it("when interrupted (Ctrl-C) mid-decode", async () => {
    const path = uniqueCopy(dir, clip);
    const run = startCli(["analyze", path]);
    await stoppedDecoder(path);
    const interruptedAt = performance.now();
    run.child.kill("SIGINT");
    const result = await ended(run.result);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /was stopped/);
    expect(result.at - interruptedAt).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });
});

describe("the CLI's process guard", () => {
  const FIXTURE = join(import.meta.dirname, "../support/fixtures/guarded-command.ts");

  function runFixture(misbehaviour: string, tag: string): Promise<CliResult> {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, misbehaviour, tag]);
    return collectCli(child, `guarded-command ${misbehaviour}`, 60_000);
  }

  it("exits with the command's code although it left a timer and ffmpeg running, and kills ffmpeg", async () => {
    const tag = `leaves-handles-${process.pid}`;
    const result = await runFixture("leaves-handles", tag);
    expect(result.code).toBe(3);
    expect(processesMatching(tag)).toBe("");
  });

  for (const misbehaviour of ["throws-later", "rejects-unhandled"]) {
    it(`turns an error nobody caught (${misbehaviour}) into one line and exit 1, and kills ffmpeg`, async () => {
      const tag = `${misbehaviour}-${process.pid}`;
      const result = await runFixture(misbehaviour, tag);
      expect(result.code).toBe(1);
      expectOneLineError(result.stderr, /^avmon: internal error: (detector bug|nobody listens)$/);
      expect(processesMatching(tag)).toBe("");
    });
  }
});
