import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, onTestFinished } from "vitest";
import { LocalStack, type LocalStackOptions } from "../../core-service/src/app/local-stack.ts";
import { parseConfig } from "../../core-service/src/config.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { scratchDir } from "../support/scratch-dirs.ts";

/**
 * A local stack on a free loopback port, configured as `avmon serve` would be, demo off, with its own data
 * folder (removed when the test ends; one of the local roots by default) unless the test names one;
 * `mediaFile` puts a file there for a job to name.
 */
export async function startStack(options: Partial<LocalStackOptions> = {}, env: Record<string, string> = {}) {
  const scratch = env.AVMON_DATA_DIR ? undefined : scratchDir("avmon-stack-");
  // Outside a test (a beforeAll) the folder is left to the OS's temp-folder cleanup.
  if (scratch && expect.getState().currentTestName !== undefined) onTestFinished(scratch.remove);
  const config = parseConfig({
    PORT: "0",
    AVMON_DEMO: "false",
    AVMON_MAX_BODY_BYTES: "4096",
    ...(scratch ? { AVMON_DATA_DIR: scratch.dir } : {}),
    ...env,
  });
  const { dataDir } = config;
  const stack = new LocalStack({ config, logger: silentLogger, ...options });
  const url = await stack.start();
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const mediaFile = (name = "clip.mp4") => {
    const path = join(dataDir, name);
    writeFileSync(path, "");
    return path;
  };
  return { stack, url, post, dataDir, mediaFile };
}
