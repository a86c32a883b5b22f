/**
 * The two ffmpeg builds the suites run against, named explicitly so a test can pick one whatever FFMPEG_PATH
 * says: the bundled npm build (2018 ffmpeg 4.x without libsrt, 2023 ffprobe) and Debian's 5.1, the container's
 * (test/production-ffmpeg/, run by `npm run test:production-ffmpeg` after `apt-get install ffmpeg`).
 */
import { CONTAINER_FFMPEG } from "../../core-service/src/media/container-ffmpeg.ts";
import { bundledBinary, type FfmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { detectTools } from "../../core-service/src/media/ffmpeg-detection.ts";
import { type FfmpegSupportProvider, supportOf } from "../../core-service/src/media/source-support.ts";

export const BUNDLED: FfmpegBinaries = {
  ffmpeg: bundledBinary("ffmpeg"),
  ffprobe: bundledBinary("ffprobe"),
  origin: { ffmpeg: "bundled", ffprobe: "bundled" },
};

export const DEBIAN: FfmpegBinaries = {
  ...CONTAINER_FFMPEG.path,
  origin: { ffmpeg: "FFMPEG_PATH", ffprobe: "FFPROBE_PATH" },
};

/** Environment variables that make a child `avmon` run these binaries ("" = unset: the bundled ones). */
export function envFor(binaries: FfmpegBinaries): Record<string, string> {
  return binaries === BUNDLED
    ? { FFMPEG_PATH: "", FFPROBE_PATH: "" }
    : { FFMPEG_PATH: binaries.ffmpeg, FFPROBE_PATH: binaries.ffprobe };
}

/** What submission checks see of these binaries, asked afresh (no answer kept on disk). */
export function supportFrom(binaries: FfmpegBinaries): FfmpegSupportProvider {
  return async () => supportOf(await detectTools(binaries, { cacheDir: null }));
}
