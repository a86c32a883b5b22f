import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.ts";

const ROOT = join(import.meta.dirname, "../..");

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
}

describe("npm start (avmon serve)", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it("prints a demo alert within 30 s on a fresh data dir, then exits 0 on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "avmon-serve-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const child = spawn(process.execPath, ["bin/avmon.mjs", "serve"], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        AVMON_DATA_DIR: dataDir,
        AVMON_DEMO: "",
        AVMON_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanups.push(() => child.kill("SIGKILL"));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    const started = Date.now();
    const alert = await waitForOutput(child, /ALERT +\w+ \d\d:\d\d\.\d\d.*\(job [0-9a-f-]{36}\)/, 30_000);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(30);
    expect(alert).toMatch(/^ALERT/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
