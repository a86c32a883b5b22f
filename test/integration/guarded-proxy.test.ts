/**
 * The guarded proxy with real sockets on 127.0.0.1 and the real ffmpeg. Host names are answered by an injected
 * resolver and every upstream connection goes through an injected connector that records the address the
 * proxy chose and then dials the test origin on 127.0.0.1, so nothing leaves this machine.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core-service/src/logging/logger.ts";
import { runFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { GuardedProxy } from "../../core-service/src/security/guarded-proxy.ts";
import type { Resolver } from "../../core-service/src/security/ssrf-guard.ts";

interface OriginRequest {
  readonly host: string | undefined;
  readonly path: string | undefined;
}

let workDir: string;
let segment: Buffer;
let origin: Server;
let originPort: number;
const originRequests: OriginRequest[] = [];
let playlist = "";

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "avmon-proxy-"));
  const segmentPath = join(workDir, "segment.ts");
  // One tiny second of video, served as every segment of the test playlists.
  await runFfmpeg([
    ...["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1"],
    ...["-c:v", "mpeg2video", "-f", "mpegts", "-y", segmentPath],
  ]);
  segment = readFileSync(segmentPath);
  origin = createServer((req, res) => {
    originRequests.push({ host: req.headers.host, path: req.url });
    if (req.url?.endsWith(".m3u8")) res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl" });
    else res.writeHead(200, { "content-type": "video/mp2t" });
    res.end(req.url?.endsWith(".m3u8") ? playlist : segment);
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  originPort = (origin.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => origin.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

const proxies: GuardedProxy[] = [];
afterEach(async () => {
  originRequests.length = 0;
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

const dns: Record<string, string[]> = {
  "media.test": ["93.184.215.10"],
  "internal.test": ["10.0.0.1"],
};
const tableResolver: Resolver = async (host) => {
  const addresses = dns[host];
  if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return addresses;
};

function startProxy(resolve: Resolver = tableResolver) {
  const dialled: string[] = [];
  const refusals: { url: string; reason: string }[] = [];
  const logger = createLogger({
    level: "warn",
    write: (line) => {
      const entry = JSON.parse(line) as { message: string; url: string; reason: string };
      if (entry.message === "proxy refused a request")
        refusals.push({ url: entry.url, reason: entry.reason });
    },
  });
  const proxy = new GuardedProxy({
    guard: { resolve },
    connect: ({ host, port }) => {
      dialled.push(host);
      return connect({ host: "127.0.0.1", port });
    },
    logger,
  });
  proxies.push(proxy);
  return { proxy, dialled, refusals };
}

function hlsPlaylist(segmentUrls: readonly string[]): string {
  const entries = segmentUrls.map((url) => `#EXTINF:1.0,\n${url}`);
  return ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1", ...entries, "#EXT-X-ENDLIST", ""].join(
    "\n",
  );
}

/** Sends raw bytes to the proxy and collects what comes back until it closes or `until` matches. */
function exchange(proxyUrl: string, bytes: string, until: RegExp): Promise<string> {
  const { port } = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: "127.0.0.1", port: Number(port) });
    let received = "";
    const finish = () => {
      socket.destroy();
      resolve(received);
    };
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      received += text;
      if (until.test(received)) finish();
    });
    socket.on("end", finish);
    socket.on("error", reject);
    socket.write(bytes);
  });
}

function getThroughProxy(proxyUrl: string, target: string): Promise<number> {
  const { port } = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: Number(port), path: target, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("ffmpeg reading HLS through the guarded proxy", () => {
  it("fetches the segments on allowed hosts and stops the ones on private addresses at the proxy", async () => {
    const { proxy, dialled, refusals } = startProxy();
    playlist = hlsPlaylist([
      `http://media.test:${originPort}/first.ts`,
      `http://internal.test:${originPort}/private-by-dns.ts`,
      `http://169.254.169.254:${originPort}/metadata.ts`,
      `http://media.test:${originPort}/last.ts`,
    ]);
    const source = resolveSource(`http://media.test:${originPort}/index.m3u8`, {
      allowLocalFiles: false,
      httpProxy: await proxy.url(),
    });

    const { stderr } = await runFfmpeg([...source.inputOptions, "-i", source.input, "-f", "null", "-"]);

    expect(originRequests.map((r) => r.path)).toEqual(["/index.m3u8", "/first.ts", "/last.ts"]);
    expect(new Set(originRequests.map((r) => r.host))).toEqual(new Set([`media.test:${originPort}`]));
    expect(new Set(dialled)).toEqual(new Set(["93.184.215.10"]));
    // ffmpeg may ask again for a segment it did not get; each attempt is refused the same way.
    const reasons = new Map(refusals.map((r) => [r.url, r.reason]));
    expect([...reasons.keys()]).toEqual([
      `http://internal.test:${originPort}/private-by-dns.ts`,
      `http://169.254.169.254:${originPort}/metadata.ts`,
    ]);
    expect([...reasons.values()]).toEqual([
      expect.stringMatching(/10\.0\.0\.1, a private address/),
      expect.stringMatching(/link-local/),
    ]);
    // Two good seconds of 10 fps reached the decoder.
    expect(stderr).toMatch(/frame=\s*20\b/);
  });
});

describe("CONNECT tunnels (HTTPS)", () => {
  it("refuses a tunnel to a private address without dialling anything", async () => {
    const { proxy, dialled, refusals } = startProxy();
    const url = await proxy.url();

    const literal = await exchange(
      url,
      "CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\n\r\n",
      /\r\n\r\n/,
    );
    const byName = await exchange(url, "CONNECT internal.test:443 HTTP/1.1\r\n\r\n", /\r\n\r\n/);

    expect(literal).toMatch(/^HTTP\/1\.1 403 /);
    expect(byName).toMatch(/^HTTP\/1\.1 403 /);
    expect(dialled).toEqual([]);
    expect(refusals.map((r) => r.url)).toEqual(["10.0.0.1:443", "internal.test:443"]);
  });

  it("tunnels to the checked address of an allowed host", async () => {
    const { proxy, dialled } = startProxy();
    const url = await proxy.url();
    const insideTunnel = `GET /tunnelled.ts HTTP/1.1\r\nHost: media.test\r\nConnection: close\r\n\r\n`;

    const answer = await exchange(
      url,
      `CONNECT media.test:${originPort} HTTP/1.1\r\n\r\n${insideTunnel}`,
      /video\/mp2t/,
    );

    expect(answer).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(dialled).toEqual(["93.184.215.10"]);
    expect(originRequests.map((r) => r.path)).toEqual(["/tunnelled.ts"]);
  });
});

describe("DNS pinning", () => {
  it("connects to the address it checked, even when the name would resolve elsewhere a moment later", async () => {
    let lookups = 0;
    // A rebinding name server: a public answer first, the metadata endpoint ever after.
    const rebinding: Resolver = async () => (lookups++ === 0 ? ["93.184.215.77"] : ["169.254.169.254"]);
    const { proxy, dialled, refusals } = startProxy(rebinding);
    const url = await proxy.url();
    const target = `http://rebind.test:${originPort}/segment.ts`;

    const first = await getThroughProxy(url, target);
    const second = await getThroughProxy(url, target);

    expect(first).toBe(200);
    expect(dialled).toEqual(["93.184.215.77"]);
    expect(second).toBe(403);
    expect(refusals).toEqual([{ url: target, reason: expect.stringMatching(/169\.254\.169\.254/) }]);
    expect(originRequests).toHaveLength(1);
  });
});

describe("proxy lifecycle", () => {
  it("starts once however many jobs ask, and stops answering when closed", async () => {
    const { proxy } = startProxy();
    const [a, b] = await Promise.all([proxy.url(), proxy.url()]);
    expect(a).toBe(b);
    expect(a).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await proxy.close();

    await expect(getThroughProxy(a, `http://media.test:${originPort}/x.ts`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("answers a request that is not a proxy request with 400", async () => {
    const { proxy, dialled } = startProxy();
    expect(await getThroughProxy(await proxy.url(), "/segment.ts")).toBe(400);
    expect(dialled).toEqual([]);
  });
});
