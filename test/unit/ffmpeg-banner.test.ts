import { describe, expect, it } from "vitest";
import {
  describeVersion,
  type FfmpegVersion,
  parseBanner,
} from "../../core-service/src/media/ffmpeg-capabilities.ts";

// The first lines of real banners: Debian bookworm's package and the bundled npm builds.
const DEBIAN = `ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers
  built with gcc 12 (Debian 12.2.0-14+deb12u1)
  libavutil      57. 28.100 / 57. 28.100
  libavformat    59. 27.100 / 59. 27.100
`;
const BUNDLED_FFMPEG = `ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018 the FFmpeg developers
  built with gcc 6.3.0 (Debian 6.3.0-18+deb9u1) 20170516
  libavformat    58. 24.100 / 58. 24.100
`;
const BUNDLED_FFPROBE = `ffprobe version N-66595-gc2b38619c0-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2007-2023 the FFmpeg developers
  libavformat    60. 10.100 / 60. 10.100
`;

describe("reading an ffmpeg banner", () => {
  it("takes the release from a packaged version and the series from libavformat", () => {
    const version = parseBanner(DEBIAN);
    expect(version).toEqual({ text: "5.1.9-0+deb12u1", major: 5, libavformat: "59.27.100", year: 2026 });
    expect(describeVersion(version as FfmpegVersion)).toBe("FFmpeg 5.1.9-0+deb12u1 (2026)");
  });

  it("dates a git snapshot, which has no release number, by its copyright year", () => {
    const version = parseBanner(BUNDLED_FFMPEG);
    expect(version).toEqual({
      text: "N-47683-g0e8eb07980-static",
      major: 4,
      libavformat: "58.24.100",
      year: 2018,
    });
    expect(describeVersion(version as FfmpegVersion)).toBe(
      "FFmpeg 4.x snapshot N-47683-g0e8eb07980-static (2018)",
    );
    expect(parseBanner(BUNDLED_FFPROBE)).toMatchObject({ major: 6, year: 2023 });
  });

  it("finds no version in text that is not a banner", () => {
    expect(parseBanner("Usage: true [ignored command line arguments]\n")).toBeUndefined();
  });
});
