/**
 * With the guard on (AVMON_ALLOW_PRIVATE_SOURCES=false) the local worker's ffmpeg fetches through the guarded
 * proxy, as on AWS: a redirect or a playlist cannot lead it to a private address. Real ffmpeg, real sockets,
 * all on 127.0.0.1: the origin stands for a public host (`media.test`, answered by an injected resolver with a
 * public address, dialled on 127.0.0.1 by the injected connector); the "private" server is another port on
 * 127.0.0.1, reached by loopback URLs the guard must refuse. The private server serves the same media, so a
 * fetch that got through would be seen there and would make the job succeed.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { createLogger } from "../../core-service/src/logging/logger.ts";
import { runFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { startStack } from "../server/stack-fixture.ts";
import { waitFor } from "../worker/worker-harness.ts";

const PUBLIC_ADDRESS = "93.184.215.14";

let workDir: string;
let segment: Buffer;
const servers: Server[] = [];
let origin: { port: number; paths: string[] };
let privateServer: { port: number; paths: string[] };
const playlists = new Map<string, string>();

/** Serves `playlists` by path, a 302 for /redirect.m3u8 (to `redirectTo`), and the segment for any .ts. */
let redirectTo = "";
const serveMedia =
  (paths: string[]): RequestListener =>
  (req, res) => {
    const path = req.url ?? "";
    paths.push(path);
    if (path === "/redirect.m3u8") return void res.writeHead(302, { location: redirectTo }).end();
    const playlist = playlists.get(path) ?? playlists.get("/index.m3u8");
    if (path.endsWith(".m3u8") && playlist) {
      return void res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl" }).end(playlist);
    }
    res.writeHead(200, { "content-type": "video/mp2t" }).end(segment);
  };

async function listen(handler: RequestListener): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "avmon-local-proxy-"));
  const segmentPath = join(workDir, "segment.ts");
  // One second of 10 fps video with a tone, served as every segment.
  await runFfmpeg([
    ...["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-f", "lavfi", "-i", "sine=frequency=440"],
    ...["-t", "1", "-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpegts", "-y", segmentPath],
  ]);
  segment = readFileSync(segmentPath);
  const originPaths: string[] = [];
  const privatePaths: string[] = [];
  origin = { port: await listen(serveMedia(originPaths)), paths: originPaths };
  privateServer = { port: await listen(serveMedia(privatePaths)), paths: privatePaths };
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(workDir, { recursive: true, force: true });
});

function hls(segmentUrls: readonly string[], { ended }: { ended: boolean }): string {
  const entries = segmentUrls.map((url) => `#EXTINF:1.0,\n${url}`);
  const end = ended ? ["#EXT-X-ENDLIST"] : [];
  return ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1", ...entries, ...end, ""].join("\n");
}

const stacks: LocalStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop(2000)));
  origin.paths.length = 0;
  privateServer.paths.length = 0;
  playlists.clear();
});

const mediaTestIsPublic = async (host: string) => (host === "media.test" ? [PUBLIC_ADDRESS] : ["127.0.0.1"]);

/** A local stack with the guard on, `media.test` public, and the guarded proxy's refusals recorded. */
async function guardedStack(resolve = mediaTestIsPublic) {
  const dialled: string[] = [];
  const refused: string[] = [];
  const logger = createLogger({
    level: "warn",
    write: (line) => {
      const entry = JSON.parse(line) as { message: string; url?: string };
      if (entry.message === "proxy refused a request" && entry.url) refused.push(entry.url);
    },
  });
  const started = await startStack(
    {
      logger,
      guard: {
        resolve,
        connect: ({ host, port }) => {
          dialled.push(host);
          return connect({ host: "127.0.0.1", port });
        },
      },
    },
    { AVMON_ALLOW_PRIVATE_SOURCES: "false" },
  );
  stacks.push(started.stack);
  const submit = async (body: object): Promise<string> => {
    const response = await started.post("/v1/jobs", body);
    expect(response.status).toBe(202);
    return ((await response.json()) as { jobId: string }).jobId;
  };
  const status = async (jobId: string) => (await started.stack.store.get(jobId))?.status;
  return { ...started, dialled, refused, submit, status };
}

const TERMINAL = ["completed", "failed", "stopped"];

describe("the local worker behind the guarded proxy", () => {
  it("reads a file job's public segments and never fetches the ones a playlist puts on loopback", async () => {
    const { submit, status, dialled, refused } = await guardedStack();
    const privateUrls = [
      `http://127.0.0.1:${privateServer.port}/private.ts`,
      `http://[::ffff:127.0.0.1]:${privateServer.port}/mapped.ts`,
      `http://127.1:${privateServer.port}/short.ts`,
    ];
    playlists.set(
      "/index.m3u8",
      hls(
        [
          `http://media.test:${origin.port}/first.ts`,
          ...privateUrls,
          `http://media.test:${origin.port}/last.ts`,
        ],
        {
          ended: true,
        },
      ),
    );

    const jobId = await submit({ source: `http://media.test:${origin.port}/index.m3u8`, mode: "file" });
    await waitFor(async () => TERMINAL.includes((await status(jobId)) ?? ""), 60_000);

    expect(await status(jobId)).toBe("completed");
    expect(privateServer.paths).toEqual([]);
    expect(new Set(dialled)).toEqual(new Set([PUBLIC_ADDRESS]));
    expect(origin.paths).toEqual(expect.arrayContaining(["/index.m3u8", "/first.ts", "/last.ts"]));
    expect(new Set(refused.map((url) => new URL(url).pathname))).toEqual(
      new Set(["/private.ts", "/mapped.ts", "/short.ts"]),
    );
  });

  it("fails a file job whose source redirects to loopback, without fetching there", async () => {
    const { submit, status, refused } = await guardedStack();
    redirectTo = `http://127.0.0.1:${privateServer.port}/index.m3u8`;
    playlists.set("/index.m3u8", hls([`http://127.0.0.1:${privateServer.port}/a.ts`], { ended: true }));

    const jobId = await submit({ source: `http://media.test:${origin.port}/redirect.m3u8`, mode: "file" });
    await waitFor(async () => TERMINAL.includes((await status(jobId)) ?? ""), 60_000);

    expect(await status(jobId)).toBe("failed");
    expect(origin.paths).toContain("/redirect.m3u8");
    expect(privateServer.paths).toEqual([]);
    expect(refused).toContain(redirectTo);
  });

  it("keeps a live job's playlist from leading ffmpeg to loopback", async () => {
    const { submit, status, refused, url } = await guardedStack();
    const privateUrl = `http://[::ffff:7f00:1]:${privateServer.port}/live-private.ts`;
    playlists.set(
      "/live.m3u8",
      hls([`http://media.test:${origin.port}/live-first.ts`, privateUrl], { ended: false }),
    );

    const jobId = await submit({ source: `http://media.test:${origin.port}/live.m3u8`, mode: "live" });
    await waitFor(() => refused.some((refusedUrl) => refusedUrl.endsWith("/live-private.ts")), 60_000);
    expect((await fetch(`${url}/v1/jobs/${jobId}`, { method: "DELETE" })).status).toBe(202);
    await waitFor(async () => TERMINAL.includes((await status(jobId)) ?? ""), 30_000);

    expect(origin.paths).toContain("/live.m3u8");
    expect(privateServer.paths).toEqual([]);
  });

  it("checks a job's source again when it starts: a name that now resolves to loopback fails the job", async () => {
    let lookups = 0;
    // A rebinding name server: a public answer when the job is submitted, loopback ever after.
    const rebinding = async (host: string) =>
      host === "rebind.test" && lookups++ === 0 ? [PUBLIC_ADDRESS] : ["127.0.0.1"];
    const { submit, status, dialled } = await guardedStack(rebinding);

    const jobId = await submit({ source: `http://rebind.test:${origin.port}/index.m3u8`, mode: "file" });
    await waitFor(async () => TERMINAL.includes((await status(jobId)) ?? ""), 60_000);

    expect(await status(jobId)).toBe("failed");
    expect(dialled).toEqual([]);
    expect(origin.paths).toEqual([]);
    expect(privateServer.paths).toEqual([]);
  });
});
