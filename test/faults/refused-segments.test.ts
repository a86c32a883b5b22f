/**
 * A playlist whose segments are partly refused: a `file:` segment (outside the protocol allow-list of a remote
 * source) and one on a private address (refused by the guarded proxy, which dials nothing: host names are
 * answered by an injected resolver and the one allowed host is dialled on 127.0.0.1). What went unwatched is
 * reported as an `unwatched` defect saying how much: segments and seconds, for file jobs and live jobs; so is a
 * segment the origin does not have.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../../core-service/src/domain/limits.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { GuardedProxy } from "../../core-service/src/security/guarded-proxy.ts";
import { mediaAnalyzer } from "../../core-service/src/worker/analyzer.ts";
import { runEncoder } from "../support/encoder-threads.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { runLiveJob } from "../support/live-run.ts";
import { aQueueMessage, waitFor, workerHarness } from "../worker/worker-harness.ts";

const SEGMENT_SECONDS = 2;

let dir: string;
let origin: Server;
let originPort: number;
let proxy: GuardedProxy;

// media.test has a public address (the guard refuses documentation ranges too); internal.test a private one.
const dns: Record<string, string[]> = { "media.test": ["93.184.215.14"], "internal.test": ["10.0.0.1"] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "avmon-refused-"));
  // 12 s of programme in six 2 s segments.
  await runEncoder([
    ...[
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=320x180:rate=25",
      "-f",
      "lavfi",
      "-i",
      "sine=f=440:sample_rate=48000",
    ],
    ...[
      "-t",
      "12",
      "-c:v",
      "libx264",
      "-g",
      "25",
      "-c:a",
      "aac",
      "-f",
      "hls",
      "-hls_time",
      String(SEGMENT_SECONDS),
    ],
    ...["-hls_list_size", "0", "-hls_playlist_type", "vod", "-hls_segment_filename", join(dir, "seg%d.ts")],
    join(dir, "vod.m3u8"),
  ]);
  let renumberings = 0;
  origin = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://origin").pathname.slice(1);
    // A playlist numbered afresh on every read: no later read lists the segments an earlier one did.
    if (name === "renumbered.m3u8") {
      const text = readFileSync(join(dir, "refused.m3u8"), "utf8");
      return void res.end(
        text.replace(/^#EXT-X-MEDIA-SEQUENCE:\d+$/m, `#EXT-X-MEDIA-SEQUENCE:${++renumberings * 100}`),
      );
    }
    try {
      res.end(readFileSync(join(dir, name.replace(/[^\w.]/g, ""))));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  originPort = (origin.address() as AddressInfo).port;
  const refused = readFileSync(join(dir, "vod.m3u8"), "utf8")
    .replace(/^seg2\.ts$/m, `file://${join(dir, "seg2.ts")}`)
    .replace(/^seg3\.ts$/m, `http://internal.test:${originPort}/seg3.ts`);
  writeFileSync(join(dir, "refused.m3u8"), refused);
  // seg4 under a name the origin does not have: a 404.
  writeFileSync(
    join(dir, "missing.m3u8"),
    readFileSync(join(dir, "vod.m3u8"), "utf8").replace(/^seg4\.ts$/m, "gone.ts"),
  );
  proxy = new GuardedProxy({
    guard: {
      resolve: async (host) => {
        const addresses = dns[host];
        if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
        return addresses;
      },
    },
    connect: ({ port }) => connect({ host: "127.0.0.1", port }),
    logger: silentLogger,
  });
});

afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => origin.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a file job on `playlist` of the origin, through the guarded proxy, to Job Completed. */
async function fileJobEvents(playlist: string): Promise<AvmonEvent[]> {
  const { queue, events, createWorker } = workerHarness();
  await queue.send(aQueueMessage({ source: `http://media.test:${originPort}/${playlist}` }));
  const worker = createWorker(
    mediaAnalyzer({ limits: DEFAULT_ANALYSIS_LIMITS, allowLocalFiles: false, httpProxy: () => proxy.url() }),
  );
  worker.start();
  try {
    await waitFor(() => events.some((e) => e["detail-type"] === "Job Completed"), 60_000);
  } finally {
    await worker.stop(0);
  }
  return events;
}

const unwatchedAlertsOf = (events: AvmonEvent[]) =>
  events.filter((e) => "defect" in e.detail && e.detail.defect.type === "unwatched");

const reportedDefects = (events: AvmonEvent[]) =>
  events.flatMap((e) =>
    e["detail-type"] === "Job Completed" && "summary" in e.detail ? e.detail.summary.defects : [],
  );

describe("a file job on a partly refused playlist", () => {
  it("reports the refused stretch as an unwatched defect with its segments and seconds", async () => {
    const events = await fileJobEvents("refused.m3u8");

    const unwatched: Partial<Defect> = {
      type: "unwatched",
      start: 2 * SEGMENT_SECONDS,
      end: 4 * SEGMENT_SECONDS,
      metrics: { segments: 2, seconds: 2 * SEGMENT_SECONDS },
    };
    expect(reportedDefects(events)).toContainEqual(expect.objectContaining(unwatched));
    const alerts = unwatchedAlertsOf(events);
    expect(alerts.map((e) => e["detail-type"])).toEqual(["Defect Detected", "Defect Cleared"]);
    expect(alerts[1]?.detail).toMatchObject({ defect: unwatched });
  });

  it("reports a segment the origin does not have (404) the same way", async () => {
    const events = await fileJobEvents("missing.m3u8");

    const unwatched = reportedDefects(events).filter((d) => d.type === "unwatched");
    expect(unwatched).toEqual([
      expect.objectContaining({
        start: 4 * SEGMENT_SECONDS,
        end: 5 * SEGMENT_SECONDS,
        metrics: { segments: 1, seconds: SEGMENT_SECONDS },
      }),
    ]);
  });

  it("places the refused segments where decoding had got to when the playlist read again no longer lists them", async () => {
    const events = await fileJobEvents("renumbered.m3u8");

    const defects = reportedDefects(events).filter((d) => d.type === "unwatched");
    expect(defects).toEqual([expect.objectContaining({ type: "unwatched", metrics: { segments: 2 } })]);
    // Not at 0: about where the refused stretch began (decoding reports a little behind the reading).
    expect(defects[0]?.start).toBeGreaterThan(SEGMENT_SECONDS);
    expect(defects[0]?.start).toBeLessThanOrEqual(2 * SEGMENT_SECONDS);
    expect(unwatchedAlertsOf(events).map((e) => e["detail-type"])).toEqual([
      "Defect Detected",
      "Defect Cleared",
    ]);
  });
});

/** Serves a live origin's playlist with every fifth segment turned into a `file:` URI, its other bytes as they are. */
async function rewritingFront(live: LiveOrigin): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(live.url);
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://front").pathname;
    const answer = await fetch(new URL(path, upstream));
    if (!answer.ok) return void res.writeHead(answer.status).end();
    const body = Buffer.from(await answer.arrayBuffer());
    if (!path.endsWith(".m3u8")) return void res.end(body);
    res.end(
      body
        .toString("utf8")
        .replace(/^s(\d+)\.ts$/gm, (line, n) => (Number(n) % 5 === 2 ? `file:///nonexistent/${line}` : line)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.m3u8`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("a live job on a partly refused playlist", () => {
  it("raises an unwatched defect for each refused segment, saying how many seconds it held", async () => {
    const live = await startLiveOrigin({ protocol: "hls", duration: 30 });
    const front = await rewritingFront(live);
    const run = runLiveJob(aQueueMessage({ source: front.url, mode: "live" }), ["black"]);
    const received = run.events;
    try {
      await waitFor(() => received.some((e) => e.kind === "close" && e.defect.type === "unwatched"), 30_000);
    } finally {
      run.stop();
      await run.done;
      await front.close();
      await live.close();
    }

    const open = received.find((e) => e.kind === "open" && e.defect.type === "unwatched");
    const close = received.find((e) => e.kind === "close" && e.defect.type === "unwatched");
    expect(open?.alertId).toBe(close?.alertId);
    expect(close?.defect.metrics.segments).toBe(1);
    expect(close?.defect.metrics.seconds).toBeCloseTo(1, 0);
    expect(close?.defect.startedAt).toBeDefined();
  });
});
