/**
 * The local API answers only to its own names (DNS rebinding) and takes changes only from its own pages
 * (cross-site requests). Every request goes to 127.0.0.1; only the Host and Origin headers say otherwise, as
 * they would for a browser that resolved an attacker's name to 127.0.0.1.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { parseConfig } from "../../core-service/src/config.ts";
import { startStack } from "../server/stack-fixture.ts";

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** One request to the stack on 127.0.0.1 with exactly these headers (fetch would not send a chosen Host). */
function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: Number(port), method, path, headers, setHost: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        // An event stream that was (wrongly) opened would never end: its first bytes are answer enough.
        res.on("data", (chunk: string) => {
          text += chunk;
          if (res.headers["content-type"]?.startsWith("text/event-stream")) res.destroy();
        });
        const done = () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: text });
        res.on("end", done);
        res.on("close", done);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Writes raw bytes to the stack and reads until it closes (HTTP/1.0 ends each answer by closing). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      received += text;
    });
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

const JOB = JSON.stringify({ source: "/tmp/clip.mp4" });
const JSON_TYPE = { "content-type": "application/json" };

describe("the local API's Host allow-list", () => {
  const stacks: LocalStack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((stack) => stack.stop(1000)));
  });
  const start = async (env: Record<string, string> = {}) => {
    const started = await startStack({}, env);
    stacks.push(started.stack);
    return { ...started, port: new URL(started.url).port };
  };

  it.each([
    ["the dashboard", "GET", "/"],
    ["the event stream", "GET", "/v1/events"],
    ["job status", "GET", "/v1/jobs/some-job"],
    ["health", "GET", "/healthz"],
    ["metrics", "GET", "/metrics"],
  ])(
    "answers %s sent to an attacker's name with 421 and a message naming the setting",
    async (_c, method, path) => {
      const { url, port } = await start();

      const answer = await send(url, method, path, { host: `rebind.attacker.test:${port}` });

      expect(answer.status).toBe(421);
      expect(answer.contentType).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toEqual({
        error: expect.stringMatching(/Host "rebind\.attacker\.test:\d+" is not one .*AVMON_ALLOWED_HOSTS/),
        field: "host",
      });
    },
  );

  it("queues nothing for a job submitted under an attacker's name", async () => {
    const { url, port, stack } = await start();

    const answer = await send(
      url,
      "POST",
      "/v1/jobs",
      { host: `rebind.attacker.test:${port}`, ...JSON_TYPE },
      JOB,
    );

    expect(answer.status).toBe(421);
    expect(stack.bus.published).toBe(0);
    expect(stack.queue.counts()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it.each(["localhost", "127.0.0.1", "[::1]", "LOCALHOST", "localhost."])(
    "answers requests sent to %s on its port",
    async (name) => {
      const { url, port } = await start();

      const answer = await send(url, "GET", "/healthz", { host: `${name}:${port}` });

      expect(answer.status).toBe(200);
    },
  );

  it.each([
    ["a loopback name on another port", "localhost:1"],
    ["a Host with user info", "evil.test@localhost"],
    ["a decimal spelling of 127.0.0.1", "2130706433"],
  ])("refuses %s", async (_case, host) => {
    const { url } = await start();

    const answer = await send(url, "GET", "/healthz", { host });

    expect(answer.status).toBe(421);
  });

  it("refuses an HTTP/1.0 request that names no Host", async () => {
    const { port } = await start();

    const answer = await rawExchange(Number(port), "GET /healthz HTTP/1.0\r\n\r\n");

    expect(answer).toMatch(/^HTTP\/1\.1 421 /);
  });

  it("answers the names in AVMON_ALLOWED_HOSTS, with or without a port", async () => {
    const { url, port } = await start({ AVMON_ALLOWED_HOSTS: "avmon.lan, proxy.lan:8443" });

    const statuses = await Promise.all(
      ["avmon.lan", `avmon.lan:${port}`, "proxy.lan:8443", "proxy.lan:8444", "other.lan"].map(
        async (host) => (await send(url, "GET", "/healthz", { host })).status,
      ),
    );

    expect(statuses).toEqual([200, 200, 200, 421, 421]);
  });

  it("refuses a malformed AVMON_ALLOWED_HOSTS at start-up, naming the variable", () => {
    expect(() => parseConfig({ AVMON_ALLOWED_HOSTS: "avmon.lan, http://x/" })).toThrow(
      /AVMON_ALLOWED_HOSTS: expected host names .*http:\/\/x\//,
    );
  });
});

describe("requests from other sites' pages", () => {
  const stacks: LocalStack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((stack) => stack.stop(1000)));
  });
  const start = async () => {
    const started = await startStack({});
    stacks.push(started.stack);
    return { ...started, host: new URL(started.url).host };
  };

  it.each([
    ["another site", "https://attacker.test"],
    ["a sandboxed page or a file", "null"],
    ["another port on loopback", "http://127.0.0.1:1"],
  ])("refuses a job posted from %s with 403, queueing nothing", async (_case, origin) => {
    const { url, host, stack } = await start();

    const answer = await send(url, "POST", "/v1/jobs", { host, origin, ...JSON_TYPE }, JOB);

    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({
      field: "origin",
      error: expect.stringContaining(origin),
    });
    expect(stack.queue.counts()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("refuses a webhook subscription and a DELETE from another site", async () => {
    const { url, host, stack } = await start();
    const origin = "https://attacker.test";
    const subscription = JSON.stringify({ url: "http://127.0.0.1:9/x", pattern: { source: ["avmon"] } });

    const subscribe = await send(
      url,
      "POST",
      "/v1/subscriptions",
      { host, origin, ...JSON_TYPE },
      subscription,
    );
    const remove = await send(url, "DELETE", "/v1/jobs/some-job", { host, origin });

    expect([subscribe.status, remove.status]).toEqual([403, 403]);
    expect(stack.webhooks.list()).toEqual([]);
  });

  it("takes a job from its own dashboard's origin, and from clients that send no Origin", async () => {
    const { url, host, mediaFile } = await start();
    const job = JSON.stringify({ source: mediaFile() });

    const fromDashboard = await send(
      url,
      "POST",
      "/v1/jobs",
      { host, origin: `http://${host}`, ...JSON_TYPE },
      job,
    );
    const fromCurl = await send(url, "POST", "/v1/jobs", { host, ...JSON_TYPE }, job);

    expect([fromDashboard.status, fromCurl.status]).toEqual([202, 202]);
  });
});
