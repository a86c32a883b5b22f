import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { parseConfig } from "../../core-service/src/config.ts";
import { REFUSED_LOCAL_FILE } from "../../core-service/src/security/local-roots.ts";
import type { Worker } from "../../core-service/src/worker/worker.ts";
import { startStack } from "../server/stack-fixture.ts";
import { makeClip } from "../support/test-media.ts";
import { waitFor } from "../worker/worker-harness.ts";

// Issue 10, case 12: local paths were accepted from anywhere on disk, and the error wording told which files
// exist. Local sources are now read only below AVMON_LOCAL_ROOTS, with one answer for every refused path, at
// the API and again in the worker right before the file is opened.
describe("local file sources and AVMON_LOCAL_ROOTS", () => {
  const stacks: LocalStack[] = [];
  const workers: Worker[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "avmon-roots-"));
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(1000)));
    await Promise.all(stacks.splice(0).map((s) => s.stop(1000)));
  });
  const start = async (...args: Parameters<typeof startStack>) => {
    const started = await startStack(...args);
    stacks.push(started.stack);
    return started;
  };

  it("refuses a file outside the roots, a missing one, a folder, a `..` escape and a symlink out alike", async () => {
    const { post, dataDir, mediaFile } = await start();
    const outside = join(scratch, "outside.mp4");
    writeFileSync(outside, "");
    symlinkSync(outside, join(dataDir, "link-out.mp4"));
    mkdirSync(join(dataDir, "folder"));
    const refused = [
      "/etc/shadow",
      outside,
      join(dataDir, "missing.mp4"),
      join(dataDir, "folder"),
      join(dataDir, "..", "outside.mp4"),
      join(dataDir, "link-out.mp4"),
      `${mediaFile("inside.mp4")}/../../${outside.split("/").slice(-2).join("/")}`,
    ];

    const answers = await Promise.all(
      refused.map(async (source) => {
        const response = await post("/v1/jobs", { source });
        return { status: response.status, body: await response.json() };
      }),
    );

    for (const answer of answers) {
      expect(answer).toEqual({
        status: 400,
        body: { error: `source: ${REFUSED_LOCAL_FILE}`, field: "source" },
      });
    }
  });

  it("accepts a file below the roots, also through a symlink that stays inside them", async () => {
    const { post, dataDir, mediaFile } = await start();
    const clip = mediaFile("clip.mp4");
    symlinkSync(clip, join(dataDir, "alias.mp4"));

    expect((await post("/v1/jobs", { source: clip })).status).toBe(202);
    expect((await post("/v1/jobs", { source: join(dataDir, "alias.mp4") })).status).toBe(202);
  });

  it("reads only the folders AVMON_LOCAL_ROOTS names when it is set", async () => {
    const root = mkdtempSync(join(scratch, "root-"));
    writeFileSync(join(root, "a.mp4"), "");
    const { post, mediaFile } = await start({}, { AVMON_LOCAL_ROOTS: root });

    expect((await post("/v1/jobs", { source: join(root, "a.mp4") })).status).toBe(202);
    expect((await post("/v1/jobs", { source: mediaFile("in-data-dir.mp4") })).status).toBe(400);
  });

  it("defaults the roots to the working folder and the data folder", () => {
    const config = parseConfig({ AVMON_DATA_DIR: "/srv/avmon-data" });
    expect(config.localRoots).toEqual([process.cwd(), "/srv/avmon-data"]);
  });

  it("checks again before opening: a file swapped for a symlink out of the roots fails the job with the same message", {
    timeout: 60_000,
  }, async () => {
    // A real clip (below the working folder, a root), so only the check can stop the analysis.
    const clip = await makeClip({
      duration: 2,
      container: "mp4",
      video: { codec: "libx264", size: "160x90", fps: "25" },
    });
    // No worker while the file is swapped: the job waits on the queue between intake's check and the opening.
    const { stack, post, dataDir } = await start();
    await stack.worker.stop(1000);
    const source = join(dataDir, "swapped.mp4");
    symlinkSync(clip, source);
    const submitted = (await (await post("/v1/jobs", { source })).json()) as { jobId: string };

    rmSync(source);
    symlinkSync("/etc/passwd", source);
    const worker = stack.createWorker();
    worker.start();
    workers.push(worker);

    await waitFor(async () => (await stack.store.get(submitted.jobId))?.status === "failed", 30_000);
    expect((await stack.store.get(submitted.jobId))?.error).toMatchObject({
      code: "INVALID_SOURCE",
      message: REFUSED_LOCAL_FILE,
      retryable: false,
    });
  });
});
