/**
 * The suites that spawn ffmpeg, run against the production binary: Debian's ffmpeg 5.1, what the container runs
 * (core-service/Dockerfile), installed with `apt-get install ffmpeg`. `.ci/run` runs this after the full suite on
 * the bundled build; `npm run test:production-ffmpeg` runs it alone. A new folder of tests that spawn ffmpeg
 * (directly, through the CLI, the analysis pipeline or the local stack) belongs in `include`.
 *
 * Generated media are shared with the bundled run through .cache/test-media (keyed by recipe, not by binary),
 * so after a full `npm test` this run decodes the very same files with the other ffmpeg.
 */
import { defineConfig } from "vitest/config";
import { CONTAINER_FFMPEG } from "./core-service/src/media/container-ffmpeg.ts";
import { SHARED_TEST_OPTIONS } from "./vitest.config.ts";

export default defineConfig({
  test: {
    ...SHARED_TEST_OPTIONS,
    include: [
      "test/integration/**/*.test.ts",
      "test/live/**/*.test.ts",
      "test/e2e/**/*.test.ts",
      "test/server/**/*.test.ts",
      "test/production-ffmpeg/**/*.test.ts",
    ],
    env: { FFMPEG_PATH: CONTAINER_FFMPEG.path.ffmpeg, FFPROBE_PATH: CONTAINER_FFMPEG.path.ffprobe },
    globalSetup: ["test/production-ffmpeg/require-debian-ffmpeg.ts"],
  },
});
