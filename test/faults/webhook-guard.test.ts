/**
 * Webhooks under the SSRF guard (AVMON_ALLOW_PRIVATE_SOURCES=false) and redirects, against a real local stack.
 * Every receiver listens on 127.0.0.1. To stand for a public receiver, a name is answered by an injected
 * resolver with a public address and the injected connector dials 127.0.0.1 instead, recording the address the
 * stack chose; nothing leaves this machine.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack, LocalStackOptions } from "../../core-service/src/app/local-stack.ts";
import { jobAccepted } from "../../core-service/src/domain/events.ts";
import type { Resolver } from "../../core-service/src/security/ssrf-guard.ts";
import { startStack } from "../server/stack-fixture.ts";
import { aQueueMessage, waitFor } from "../worker/worker-harness.ts";

const GUARD_ON = { AVMON_ALLOW_PRIVATE_SOURCES: "false" };
const PUBLIC_ADDRESS = "93.184.215.14";
const EVERY_EVENT = { source: ["avmon"] };

interface Receiver {
  readonly port: number;
  readonly requests: { method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders }[];
}

const servers: Server[] = [];
const stacks: LocalStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop(1000)));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A receiver on 127.0.0.1 answering every request with `status` (and `location`, for a redirect). */
async function startReceiver(status = 204, location?: string): Promise<Receiver> {
  const requests: Receiver["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    req.on("end", () => res.writeHead(status, location ? { location } : {}).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, requests };
}

/** Seams that make `names` public hosts served by the receiver on `port`. */
function publicNames(port: number, resolve: Resolver = async () => [PUBLIC_ADDRESS]) {
  const dialled: string[] = [];
  const guard: LocalStackOptions["guard"] = {
    resolve,
    connect: ({ host }) => {
      dialled.push(host);
      return connect({ host: "127.0.0.1", port });
    },
  };
  return { guard, dialled };
}

async function stackWith(options: Partial<LocalStackOptions>, env: Record<string, string>) {
  const started = await startStack({ webhooks: { maxAttempts: 3, baseDelayMs: 20 }, ...options }, env);
  stacks.push(started.stack);
  return started;
}

async function publishAnEvent(stack: LocalStack): Promise<void> {
  const message = aQueueMessage();
  await stack.bus.publish([jobAccepted(message.jobId, message)]);
}

const settled = (stack: LocalStack) => () =>
  stack.webhooks.counts.delivered + stack.webhooks.counts.failed > 0;

describe("webhook URLs under the SSRF guard", () => {
  it.each([
    ["the instance metadata endpoint", () => "http://169.254.169.254/latest/meta-data/"],
    ["an IPv4-mapped loopback address", (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`],
    ["a shortened loopback address", (port: number) => `http://127.1:${port}/hook`],
    ["a hex IPv4-mapped loopback address", (port: number) => `http://[::ffff:7f00:1]:${port}/hook`],
    ["a 6to4 address around 127.0.0.1", (port: number) => `http://[2002:7f00:1::]:${port}/hook`],
    [
      "a Teredo address whose client is 127.0.0.1",
      (port: number) => `http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${port}/hook`,
    ],
    ["a name that resolves to 127.0.0.1", (port: number) => `http://hooks.test:${port}/hook`],
  ])("refuses a subscription to %s with a 400 naming url, and never calls it", async (_case, urlFor) => {
    const receiver = await startReceiver();
    const { post, stack } = await stackWith({ guard: { resolve: async () => ["127.0.0.1"] } }, GUARD_ON);

    const response = await post("/v1/subscriptions", { url: urlFor(receiver.port), pattern: EVERY_EVENT });

    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; field: string };
    expect(answer.field).toBe("url");
    expect(answer.error).toMatch(/^url: webhook URL host .* resolves to/);
    expect(stack.webhooks.list()).toEqual([]);
    await publishAnEvent(stack);
    expect(receiver.requests).toEqual([]);
  });

  it("delivers to the address it checked, with the subscribed name as Host", async () => {
    const receiver = await startReceiver();
    const { guard, dialled } = publicNames(receiver.port);
    const { post, stack } = await stackWith({ guard }, GUARD_ON);
    const url = `http://hooks.test:${receiver.port}/hook`;

    expect((await post("/v1/subscriptions", { url, pattern: EVERY_EVENT })).status).toBe(201);
    await publishAnEvent(stack);
    await waitFor(settled(stack));

    expect(stack.webhooks.counts).toMatchObject({ delivered: 1, failed: 0 });
    expect(dialled).toEqual([PUBLIC_ADDRESS]);
    expect(receiver.requests.map((r) => r.headers.host)).toEqual([`hooks.test:${receiver.port}`]);
  });

  it("checks the URL again before delivering: a name that now resolves to 127.0.0.1 gets nothing", async () => {
    const receiver = await startReceiver();
    let lookups = 0;
    // A rebinding name server: a public answer while subscribing, loopback ever after.
    const rebinding: Resolver = async () => (lookups++ === 0 ? [PUBLIC_ADDRESS] : ["127.0.0.1"]);
    const { guard, dialled } = publicNames(receiver.port, rebinding);
    const { post, stack } = await stackWith({ guard }, GUARD_ON);
    const url = `http://rebind.test:${receiver.port}/hook`;

    expect((await post("/v1/subscriptions", { url, pattern: EVERY_EVENT })).status).toBe(201);
    await publishAnEvent(stack);
    await waitFor(settled(stack));

    // Refused for good at the first attempt: the answer is not one a retry can change.
    expect(stack.webhooks.counts).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect(dialled).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });
});

describe("webhook redirects", () => {
  it.each([
    ["with the guard on", GUARD_ON],
    ["with the guard off", {}],
  ])("does not follow a receiver's redirect to another port on 127.0.0.1 %s", async (_case, env) => {
    const target = await startReceiver();
    const redirecting = await startReceiver(307, `http://127.0.0.1:${target.port}/elsewhere`);
    const { guard } = publicNames(redirecting.port);
    const { post, stack } = await stackWith({ guard }, env);
    const url = `${env === GUARD_ON ? "http://hooks.test" : "http://127.0.0.1"}:${redirecting.port}/hook`;

    expect((await post("/v1/subscriptions", { url, pattern: EVERY_EVENT })).status).toBe(201);
    await publishAnEvent(stack);
    await waitFor(settled(stack));

    expect(stack.webhooks.counts).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect(redirecting.requests.map((r) => r.method)).toEqual(["POST"]);
    expect(target.requests).toEqual([]);
  });
});
