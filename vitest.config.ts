import { configDefaults, defineConfig } from "vitest/config";

/** What every suite shares: integration suites spawn ffmpeg and servers, and the machine has 2 cores. */
export const SHARED_TEST_OPTIONS = {
  testTimeout: 120_000,
  hookTimeout: 300_000,
  pool: "forks",
  maxWorkers: 2,
} as const;

export default defineConfig({
  test: {
    ...SHARED_TEST_OPTIONS,
    include: ["test/**/*.test.ts"],
    // Needs Debian's ffmpeg: vitest.production-ffmpeg.config.ts runs it (npm run test:production-ffmpeg).
    exclude: [...configDefaults.exclude, "test/production-ffmpeg/**"],
  },
});
