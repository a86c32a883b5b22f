/**
 * Capability detection on the real output of the bundled builds (a 2018 ffmpeg 4.x snapshot and a 2023 ffprobe
 * 6.x snapshot); test/production-ffmpeg/debian-ffmpeg.test.ts does the same for Debian's 5.1.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decodes, softwareDecoders } from "../../core-service/src/media/ffmpeg-capabilities.ts";
import { detectFfmpeg, detectFfprobe, detectTools } from "../../core-service/src/media/ffmpeg-detection.ts";
import { BUNDLED } from "../support/ffmpeg-builds.ts";

describe("capability detection on the bundled builds", () => {
  it("reads the bundled ffmpeg's version: a 4.x snapshot of 2018", async () => {
    const ffmpeg = await detectFfmpeg(BUNDLED.ffmpeg, "bundled", { cacheDir: null });
    expect(ffmpeg.version).toEqual({
      text: "N-47683-g0e8eb07980-static",
      major: 4,
      libavformat: "58.24.100",
      year: 2018,
    });
  });

  it("lists the bundled ffmpeg's input protocols: http(s), RTMP and UDP but no SRT", async () => {
    const { protocols } = (await detectFfmpeg(BUNDLED.ffmpeg, "bundled", { cacheDir: null })).capabilities;
    expect(protocols).toEqual(
      expect.arrayContaining(["file", "http", "https", "tls", "tcp", "rtmp", "udp", "hls"]),
    );
    expect(protocols).not.toContain("srt");
    // Output-only protocols (listed under "Output:") are not input protocols.
    expect(protocols).not.toContain("icecast");
    expect(protocols).not.toContain("md5");
  });

  it("lists demuxers by each of their names, and decoders with the codec they decode", async () => {
    const { demuxers, decoders } = (await detectFfmpeg(BUNDLED.ffmpeg, "bundled", { cacheDir: null }))
      .capabilities;
    // "hls,applehttp", "mov,mp4,m4a,3gp,3g2,mj2" and "matroska,webm" are one line each in 4.x.
    expect(demuxers).toEqual(expect.arrayContaining(["hls", "applehttp", "mov", "mp4", "matroska", "webm"]));
    expect(demuxers).toEqual(expect.arrayContaining(["mpegts", "mpeg", "mxf", "wav", "flv"]));
    expect(decoders).toContainEqual({ name: "libaom-av1", codec: "av1" });
    expect(decoders).toContainEqual({ name: "h264", codec: "h264" });
    // The legend above the rule ("V..... = Video") is not a decoder.
    expect(decoders.map((d) => d.name)).not.toContain("=");
    for (const codec of [
      "h264",
      "hevc",
      "vp9",
      "mpeg2video",
      "prores",
      "dnxhd",
      "aac",
      "ac3",
      "eac3",
      "opus",
    ])
      expect(decodes({ decoders }, codec), codec).toBe(true);
    expect(softwareDecoders({ decoders }, "av1")).toEqual(["libaom-av1"]);
  });

  it("lists the bundled ffmpeg's filters: ebur128 but not blockdetect, which came with 5.0", async () => {
    const { filters } = (await detectFfmpeg(BUNDLED.ffmpeg, "bundled", { cacheDir: null })).capabilities;
    expect(filters).toEqual(
      expect.arrayContaining(["scale", "extractplanes", "select", "aresample", "ebur128"]),
    );
    expect(filters).not.toContain("blockdetect");
    expect(filters.every((name) => /^[\w-]+$/.test(name))).toBe(true);
  });

  it("reads the bundled ffprobe, a different build: 6.x of 2023, with SRT", async () => {
    const ffprobe = await detectFfprobe(BUNDLED.ffprobe, "bundled", { cacheDir: null });
    expect(ffprobe.version).toMatchObject({ major: 6, year: 2023, libavformat: "60.10.100" });
    expect(ffprobe.protocols).toEqual(expect.arrayContaining(["file", "https", "srt"]));
  });
});

describe("keeping the answers on disk", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the bundled ffmpeg, so its modification time can change without touching node_modules. */
  function copiedBuild() {
    const dir = mkdtempSync(join(tmpdir(), "avmon-capabilities-"));
    dirs.push(dir);
    const ffmpeg = join(dir, "ffmpeg");
    copyFileSync(BUNDLED.ffmpeg, ffmpeg);
    return { dir, cacheDir: join(dir, "cache"), binaries: { ...BUNDLED, ffmpeg } };
  }

  /** Marks the kept ffmpeg answer, so a later detection shows whether it came from the disk. */
  function markKeptAnswer(cacheDir: string): void {
    const file = readdirSync(cacheDir).find((name) => name.startsWith("ffmpeg-")) as string;
    const kept = JSON.parse(readFileSync(join(cacheDir, file), "utf8"));
    kept.capabilities.protocols.push("kept-answer");
    writeFileSync(join(cacheDir, file), JSON.stringify(kept));
  }

  it("answers the next detection of the same binary from the disk", async () => {
    const { cacheDir, binaries } = copiedBuild();
    const first = await detectTools(binaries, { cacheDir });
    markKeptAnswer(cacheDir);

    const second = await detectTools(binaries, { cacheDir });

    expect(second.ffmpeg.capabilities.protocols).toContain("kept-answer");
    expect(second.ffmpeg.version).toEqual(first.ffmpeg.version);
    expect(second.ffmpeg.path).toBe(binaries.ffmpeg);
  });

  it("asks the binary again once it has changed (another modification time)", async () => {
    const { cacheDir, binaries } = copiedBuild();
    await detectTools(binaries, { cacheDir });
    markKeptAnswer(cacheDir);
    const later = new Date(Date.now() + 60_000);
    utimesSync(binaries.ffmpeg, later, later);

    const again = await detectTools(binaries, { cacheDir });

    expect(again.ffmpeg.capabilities.protocols).not.toContain("kept-answer");
    expect(again.ffmpeg.capabilities.protocols).toContain("rtmp");
  });

  it("asks the binary again when told to be fresh, and when the kept answer is unreadable", async () => {
    const { cacheDir, binaries } = copiedBuild();
    await detectTools(binaries, { cacheDir });
    markKeptAnswer(cacheDir);
    expect(
      (await detectTools(binaries, { cacheDir, fresh: true })).ffmpeg.capabilities.protocols,
    ).not.toContain("kept-answer");

    for (const name of readdirSync(cacheDir)) writeFileSync(join(cacheDir, name), "{ not json");
    const detected = await detectTools(binaries, { cacheDir });
    expect(detected.ffmpeg.capabilities.protocols).toContain("rtmp");
    expect(detected.ffprobe.protocols).toContain("srt");
  });

  it("names a binary that cannot be run", async () => {
    await expect(detectFfmpeg("/nonexistent/ffmpeg", "FFMPEG_PATH", { cacheDir: null })).rejects.toThrow(
      /\/nonexistent\/ffmpeg.*no such file/,
    );
  });
});
