/**
 * What the local dashboard reads from the local stack's HTTP API: the job listing, evidence images kept under
 * the data folder, and the running jobs' levels, over real HTTP on loopback.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { defectDetected, jobAccepted } from "../../core-service/src/domain/events.ts";
import { EVIDENCE_FORMATS, evidenceKey, evidenceUrl } from "../../core-service/src/domain/evidence.ts";
import type { JobPage } from "../../core-service/src/domain/job-listing.ts";
import { runFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import type { LevelsMessage } from "../../core-service/src/server/job-levels.ts";
import { followSse } from "../e2e/sse-client.ts";
import { anOpenDefect, at } from "../support/avmon-events.ts";
import { waitFor } from "../worker/worker-harness.ts";
import { startStack } from "./stack-fixture.ts";

const JOB = "5b1e0c9a-3f47-4d2e-9a61-0c8d7e6f5a4b";
const request = { source: "/media/clip.mp4", mode: "file", detectors: ["black"], labels: {} } as const;

let dataDir: string;
let jpeg: Buffer;
const stacks: LocalStack[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "avmon-operator-"));
  const picture = join(dataDir, "picture.jpg");
  await runFfmpeg(["-y", "-f", "lavfi", "-i", "testsrc2=size=320x180", "-frames:v", "1", picture]);
  jpeg = readFileSync(picture);
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop(1000)));
});

async function start() {
  const started = await startStack({}, { AVMON_DATA_DIR: dataDir });
  stacks.push(started.stack);
  return started;
}

/** Publishes a defect of JOB with evidence (or without) and writes its image under the data folder. */
async function publishDefect(stack: LocalStack, defect: Defect, image?: Buffer | string) {
  const event = defectDetected(JOB, defect, at(defect.start));
  const { alertId } = event.detail;
  if (image !== undefined) {
    event.detail.evidence = { thumbnail: evidenceUrl(JOB, alertId), at: defect.start };
    const format = typeof image === "string" ? EVIDENCE_FORMATS.sound : EVIDENCE_FORMATS.picture;
    const path = join(dataDir, evidenceKey(JOB, alertId, format));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, image);
  }
  await stack.bus.publish([event]);
  await stack.bus.flush();
  return alertId;
}

describe("GET /v1/jobs on the local stack", () => {
  it("lists jobs newest first, a page at a time, never cached", async () => {
    const { stack, url } = await start();
    await stack.bus.publish(
      ["a", "b", "c"].map((jobId, i) => jobAccepted(jobId, { ...request, detectors: ["black"] }, at(i))),
    );
    await stack.bus.flush();

    const first = await fetch(`${url}/v1/jobs?limit=2`);
    const firstPage = (await first.json()) as JobPage;
    const second = (await (
      await fetch(`${url}/v1/jobs?limit=2&cursor=${firstPage.nextCursor}`)
    ).json()) as JobPage;

    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(firstPage.jobs.map((job) => job.jobId)).toEqual(["c", "b"]);
    expect(second).toEqual({ jobs: [expect.objectContaining({ jobId: "a", status: "queued" })] });
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=2.5", "limit"],
    ["limit=1&limit=2", "limit"],
    ["cursor=not-a-cursor", "cursor"],
    ["cursor=a&cursor=b", "cursor"],
    ["status=running", "status"],
  ])("answers ?%s with a 400 naming the parameter", async (query, field) => {
    const { url } = await start();

    const response = await fetch(`${url}/v1/jobs?${query}`);

    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; field: string };
    expect(body.field).toBe(field);
    expect(body.error).toMatch(new RegExp(`^${field}: `));
  });
});

describe("GET /v1/jobs/{jobId}/evidence/{alertId} on the local stack", () => {
  it("serves a picture defect's JPEG from the data folder, cacheable for good", async () => {
    const { stack, url } = await start();
    const alertId = await publishDefect(stack, anOpenDefect({ type: "black", start: 3 }), jpeg);

    const response = await fetch(`${url}${evidenceUrl(JOB, alertId)}`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    expect(response.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    expect(Buffer.from(await response.arrayBuffer())).toEqual(jpeg);
  });

  it("serves an audio defect's SVG strip as an inert document", async () => {
    const { stack, url } = await start();
    const strip =
      '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="60"><path d="M0 30H320"/></svg>';
    const alertId = await publishDefect(stack, anOpenDefect({ type: "silence", start: 15 }), strip);

    const response = await fetch(`${url}${evidenceUrl(JOB, alertId)}`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/svg+xml");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await response.text()).toBe(strip);
  });

  it("answers 404, not to be cached, for a defect without evidence, an image not written, or an unknown job", async () => {
    const { stack, url } = await start();
    const withoutEvidence = await publishDefect(stack, anOpenDefect({ type: "freeze", start: 9 }));
    const missing = await publishDefect(stack, anOpenDefect({ type: "black", start: 30 }), jpeg);
    rmSync(join(dataDir, evidenceKey(JOB, missing, EVIDENCE_FORMATS.picture)));

    for (const path of [
      evidenceUrl(JOB, withoutEvidence),
      evidenceUrl(JOB, missing),
      evidenceUrl("0b9f3c1e-0000-4000-8000-000000000000", withoutEvidence),
    ]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it.each([
    ["an encoded ../ in the job id", "/v1/jobs/..%2F..%2F..%2Fetc/evidence/passwd", 400],
    ["an encoded ../ in the alert id", `/v1/jobs/${JOB}/evidence/..%2F..%2Fsecret`, 400],
    ["a dot-dot alert id (the URL itself resolves elsewhere)", `/v1/jobs/${JOB}/evidence/..`, 404],
    ["a backslash", `/v1/jobs/${JOB}/evidence/a%5C..%5Csecret`, 400],
  ])("refuses %s", async (_case, path, status) => {
    const { url } = await start();
    writeFileSync(join(dataDir, "secret.jpg"), "not for the web");

    const response = await fetch(`${url}${path}`);

    expect(response.status).toBe(status);
    expect(await response.text()).not.toContain("not for the web");
  });
});

describe("GET /v1/levels on the local stack", () => {
  it("gives a new reader each running job's history, then its new points each second, then its end", async () => {
    const { stack, url } = await start();
    let sent = 0;
    stack.levels.subscribe(() => sent++);
    for (let t = 0; t < 3; t++) stack.levels.record("running", { t, luma: 0.5, motion: 0.02 }, 24);
    await waitFor(() => sent === 1, 3000);
    const reader = await followSse<LevelsMessage>(`${url}/v1/levels`);
    try {
      expect(reader.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      await waitFor(() => reader.events.length === 1);
      expect(reader.events[0]).toMatchObject({ jobId: "running", reset: true, duration: 24 });
      expect(reader.events[0]?.points.map((p) => p.t)).toEqual([0, 1, 2]);

      stack.levels.record("running", { t: 3, luma: 0, motion: 0 }, 24);
      await waitFor(() => reader.events.length === 2, 3000);
      expect(reader.events[1]).toEqual({
        jobId: "running",
        duration: 24,
        points: [{ t: 3, luma: 0, motion: 0 }],
      });

      stack.levels.end("running");
      await waitFor(() => reader.events.length === 3);
      expect(reader.events[2]).toMatchObject({ jobId: "running", ended: true });
    } finally {
      await reader.close();
    }
  });
});
