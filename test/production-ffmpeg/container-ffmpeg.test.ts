/**
 * The ingest Lambda cannot run ffmpeg, so it trusts a declaration of what the container's ffmpeg can do
 * (core-service/src/media/container-ffmpeg.ts). These tests hold that declaration to the real binary, Debian
 * bookworm's ffmpeg installed on this machine, item by item over everything avmon asks of ffmpeg, and check that
 * the Dockerfile still installs that package at the declared paths.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CONTAINER_FFMPEG, containerFfmpegSupport } from "../../core-service/src/media/container-ffmpeg.ts";
import { decodes } from "../../core-service/src/media/ffmpeg-capabilities.ts";
import { type DetectedTools, detectTools } from "../../core-service/src/media/ffmpeg-detection.ts";
import {
  listedDecoders,
  listedFilters,
  requiredDemuxers,
  requiredProtocols,
} from "../../core-service/src/media/ffmpeg-requirements.ts";
import { DEBIAN } from "../support/ffmpeg-builds.ts";

const DOCKERFILE = readFileSync(join(import.meta.dirname, "../../core-service/Dockerfile"), "utf8");

let debian: DetectedTools;
beforeAll(async () => {
  debian = await detectTools(DEBIAN, { cacheDir: null });
});

describe("the container ffmpeg's declared capabilities", () => {
  it("are those of the Debian package this machine has: bookworm's 5.1", () => {
    expect(debian.ffmpeg.version.text).toMatch(/^5\.1\.\d+-\d+\+deb12u\d+$/);
    expect(debian.ffprobe.version.text).toBe(debian.ffmpeg.version.text);
    const osRelease = readFileSync("/etc/os-release", "utf8");
    expect(osRelease).toMatch(new RegExp(`^VERSION_CODENAME=${CONTAINER_FFMPEG.debianRelease}$`, "m"));
  });

  it("name exactly the protocols avmon needs that Debian's ffmpeg and ffprobe lack", () => {
    const lacking = (protocols: readonly string[]) =>
      requiredProtocols().filter((p) => !protocols.includes(p));
    expect(lacking(debian.ffmpeg.capabilities.protocols)).toEqual(CONTAINER_FFMPEG.lacks.protocols);
    expect(lacking(debian.ffprobe.protocols)).toEqual(CONTAINER_FFMPEG.lacks.protocols);
  });

  it("name exactly the demuxers, decoders and filters avmon asks about that Debian's ffmpeg lacks", () => {
    const caps = debian.ffmpeg.capabilities;
    expect(requiredDemuxers().filter((d) => !caps.demuxers.includes(d))).toEqual(
      CONTAINER_FFMPEG.lacks.demuxers,
    );
    expect(listedDecoders().filter((codec) => !decodes(caps, codec))).toEqual(
      CONTAINER_FFMPEG.lacks.decoders,
    );
    expect(listedFilters().filter((f) => !caps.filters.includes(f))).toEqual(CONTAINER_FFMPEG.lacks.filters);
  });

  it("let the ingest Lambda accept every live protocol it offers on AWS", async () => {
    const support = await containerFfmpegSupport();
    expect(support.ffmpeg.protocols).toEqual(expect.arrayContaining(["https", "rtmp", "srt"]));
  });
});

describe("the Dockerfile", () => {
  const runtime = DOCKERFILE.slice(DOCKERFILE.lastIndexOf("\nFROM "));

  it(`builds the runtime image on Debian ${CONTAINER_FFMPEG.debianRelease} and installs its ffmpeg package`, () => {
    expect(runtime).toMatch(
      new RegExp(`^\\nFROM node:\\d+-${CONTAINER_FFMPEG.debianRelease}(-slim)? AS runtime`),
    );
    expect(runtime).toMatch(/apt-get install -y --no-install-recommends ffmpeg\b/);
  });

  it("points avmon at the declared paths", () => {
    expect(runtime).toContain(`FFMPEG_PATH=${CONTAINER_FFMPEG.path.ffmpeg}`);
    expect(runtime).toContain(`FFPROBE_PATH=${CONTAINER_FFMPEG.path.ffprobe}`);
  });
});
