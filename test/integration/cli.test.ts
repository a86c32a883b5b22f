import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Report } from "../../core-service/src/domain/report.ts";
import { expectOneLineError } from "../support/cli-expect.ts";
import { runCli } from "../support/run-cli.ts";
import { makeClip } from "../support/test-media.ts";

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "avmon-cli-"));
  clip = await makeClip({
    duration: 6,
    container: "mp4",
    video: { codec: "libx264", size: "320x180", fps: "25", events: [{ type: "black", start: 1, end: 3 }] },
    audio: { codec: "aac", channels: 2 },
  });
});

describe("avmon analyze", () => {
  it("prints the JSON report of the architecture page with --json", async () => {
    const result = await runCli(["analyze", clip, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = Report.parse(JSON.parse(result.stdout));
    expect(report.source).toBe(clip);
    expect(report.media.video).toMatchObject({ codec: "h264", width: 320, height: 180, fps: 25 });
    expect(report.media.audio).toMatchObject({ codec: "aac", sampleRate: 48000, channels: 2 });
    expect(report.defects.map((d) => d.type)).toEqual(["black"]);
    expect(report.stats.videoFrames).toBe(150);
  });

  it("prints a readable table by default", async () => {
    const result = await runCli(["analyze", clip]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/1 defect:/);
    // Drawn from 1.0 to 3.0 s; pictures are analysed about 10 times a second, so the onset is the first one after 1.0.
    expect(result.stdout).toMatch(/black\s+00:01\.(0\d|1\d)\s+00:03\.00\s+(1\.9\d|2\.00) s/);
  });

  it("runs only the detectors asked for", async () => {
    const result = await runCli(["analyze", clip, "--json", "--detectors", "silence,freeze"]);
    expect(result.code, result.stderr).toBe(0);
    expect(Report.parse(JSON.parse(result.stdout)).defects).toEqual([]);
  });

  it("applies thresholds from --config", async () => {
    const config = join(dir, "thresholds.json");
    writeFileSync(config, JSON.stringify({ black: { minDuration: 2.5 } }));
    const result = await runCli(["analyze", clip, "--json", "--config", config]);
    expect(result.code, result.stderr).toBe(0);
    expect(Report.parse(JSON.parse(result.stdout)).defects).toEqual([]);
  });

  it("analyses what is there in an audio-only file", async () => {
    const audioOnly = await makeClip({
      duration: 5,
      container: "m4a",
      audio: { codec: "aac", channels: 2, events: [{ type: "silence", start: 1, end: 4 }] },
    });
    const result = await runCli(["analyze", audioOnly, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = Report.parse(JSON.parse(result.stdout));
    expect(report.media.video).toBeUndefined();
    expect(report.defects.map((d) => d.type)).toEqual(["silence"]);
  });

  it("analyses what is there in a video-only file", async () => {
    const videoOnly = await makeClip({
      duration: 5,
      container: "mkv",
      video: { codec: "libx264", size: "320x180", fps: "25", events: [{ type: "freeze", start: 1, end: 4 }] },
    });
    const result = await runCli(["analyze", videoOnly, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = Report.parse(JSON.parse(result.stdout));
    expect(report.media.audio).toBeUndefined();
    expect(report.defects.map((d) => d.type)).toEqual(["freeze"]);
  });
});

describe("avmon analyze refuses bad input with one clear line and a non-zero exit", () => {
  it("names a missing file", async () => {
    const result = await runCli(["analyze", join(dir, "nope.mp4")]);
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /nope\.mp4: no such file/);
  });

  it("refuses a text file", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "this is not a video\n".repeat(50));
    const result = await runCli(["analyze", text]);
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /notes\.txt: not a readable audio\/video file/);
  });

  it("refuses a zero-length file", async () => {
    const empty = join(dir, "empty.mp4");
    writeFileSync(empty, "");
    const result = await runCli(["analyze", empty]);
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /empty\.mp4: not a readable audio\/video file/);
  });

  it("refuses a truncated file", async () => {
    const truncated = join(dir, "truncated.mp4");
    const bytes = readFileSync(clip);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await runCli(["analyze", truncated]);
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /truncated\.mp4: not a readable audio\/video file/);
  });

  it("reports an unreachable URL without hanging", async () => {
    const port = await closedPort();
    const result = await runCli(["analyze", `http://127.0.0.1:${port}/clip.mp4`], { timeoutMs: 30_000 });
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /cannot reach the source/);
  });

  for (const source of [
    "concat:a.mp4|b.mp4",
    "subfile:,,start,0,end,0,:a.mp4",
    "data:video/mp4;base64,AAAA",
    "file:///etc/passwd",
    "ftp://127.0.0.1/x.mp4",
  ]) {
    it(`refuses the disallowed protocol of ${source.split(":")[0]}:`, async () => {
      const result = await runCli(["analyze", source]);
      expect(result.code).not.toBe(0);
      expectOneLineError(result.stderr, /protocol "[a-z]+:" is not allowed/);
    });
  }

  it("names an unknown detector", async () => {
    const result = await runCli(["analyze", clip, "--detectors", "black,sparkle"]);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /unknown detector "sparkle"/);
  });

  it("names an invalid threshold", async () => {
    const config = join(dir, "bad.json");
    writeFileSync(config, JSON.stringify({ freeze: { minDuration: "long" } }));
    const result = await runCli(["analyze", clip, "--config", config]);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /thresholds\.freeze\.minDuration/);
  });

  it("keeps the file name when the path has unusual characters", async () => {
    const odd = join(dir, "-odd name #1.mp4");
    copyFileSync(clip, odd);
    const result = await runCli(["analyze", odd, "--json"]);
    expect(result.code, result.stderr).toBe(0);
  });
});

/** A loopback port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe("avmon test-event-pattern", () => {
  const event = JSON.stringify({
    id: "1",
    account: "123456789012",
    source: "avmon",
    time: "2026-11-27T10:00:00Z",
    region: "eu-west-1",
    resources: [],
    "detail-type": "Defect Detected",
    detail: { defect: { type: "freeze", severity: "major" } },
  });

  it("answers true like aws events test-event-pattern when the pattern matches", async () => {
    const pattern = JSON.stringify({ source: ["avmon"], detail: { defect: { type: [{ prefix: "fre" }] } } });
    const result = await runCli(["test-event-pattern", "--event-pattern", pattern, "--event", event]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ Result: true });
  });

  it("answers false when it does not", async () => {
    const pattern = JSON.stringify({ detail: { defect: { severity: [{ "anything-but": "major" }] } } });
    const result = await runCli(["test-event-pattern", "--event-pattern", pattern, "--event", event]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ Result: false });
  });

  it("names what is wrong in an invalid pattern", async () => {
    const result = await runCli([
      "test-event-pattern",
      "--event-pattern",
      '{"source":"avmon"}',
      "--event",
      event,
    ]);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /\$\.source/);
  });
});
