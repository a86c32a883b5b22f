import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ecsAgentTaskProtection } from "../../core-service/src/adapters/aws/ecs-task-protection.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { ScaleInProtection } from "../../core-service/src/worker/scale-in-protection.ts";

interface AgentCall {
  method: string;
  path: string;
  body: unknown;
}

/** A stand-in for the ECS agent: records each request, answers as the agent does (or with a failure). */
async function fakeAgent(answer: () => { status: number; body: unknown } = () => ok) {
  const calls: AgentCall[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      calls.push({ method: req.method ?? "", path: req.url ?? "", body: JSON.parse(text) });
      const { status, body } = answer();
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}/api/task-id`, calls, close: () => server.close() };
}

const ok = { status: 200, body: { protection: { ProtectionEnabled: true } } };

describe("ECS task scale-in protection", () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  function keeper(uri: string, running: { jobs: number }, clock: { now: number }) {
    return new ScaleInProtection({
      protection: ecsAgentTaskProtection(uri),
      runningJobs: () => running.jobs,
      logger: silentLogger,
      expiresInMinutes: 15,
      now: () => clock.now,
    });
  }

  it("protects the task through the agent endpoint while a job runs, and releases it when idle", async () => {
    const agent = await fakeAgent();
    closers.push(agent.close);
    const running = { jobs: 1 };
    const protection = keeper(agent.uri, running, { now: 0 });

    await protection.check();
    running.jobs = 0;
    await protection.check();

    expect(agent.calls).toEqual([
      {
        method: "PUT",
        path: "/api/task-id/task-protection/v1/state",
        body: { ProtectionEnabled: true, ExpiresInMinutes: 15 },
      },
      { method: "PUT", path: "/api/task-id/task-protection/v1/state", body: { ProtectionEnabled: false } },
    ]);
    expect(protection.isProtected).toBe(false);
  });

  it("renews protection before it expires while the task stays busy, and not on every check", async () => {
    const agent = await fakeAgent();
    closers.push(agent.close);
    const clock = { now: 0 };
    const protection = keeper(agent.uri, { jobs: 2 }, clock);

    await protection.check();
    clock.now = 5 * 60_000;
    await protection.check();
    clock.now = 11 * 60_000;
    await protection.check();

    expect(agent.calls.map((c) => c.body)).toEqual([
      { ProtectionEnabled: true, ExpiresInMinutes: 15 },
      { ProtectionEnabled: true, ExpiresInMinutes: 15 },
    ]);
  });

  it("makes no call while the task is idle and was never protected", async () => {
    const agent = await fakeAgent();
    closers.push(agent.close);

    await keeper(agent.uri, { jobs: 0 }, { now: 0 }).check();

    expect(agent.calls).toEqual([]);
  });

  it("tries again on the next check when the agent reports that ECS refused", async () => {
    let refuse = true;
    const agent = await fakeAgent(() =>
      refuse ? { status: 200, body: { failure: { Arn: "arn", Reason: "AccessDenied" } } } : ok,
    );
    closers.push(agent.close);
    const protection = keeper(agent.uri, { jobs: 1 }, { now: 0 });

    await protection.check();
    const afterRefusal = protection.isProtected;
    refuse = false;
    await protection.check();

    expect(afterRefusal).toBe(false);
    expect(protection.isProtected).toBe(true);
    expect(agent.calls).toHaveLength(2);
  });

  it("releases protection still held when the worker shuts down", async () => {
    const agent = await fakeAgent();
    closers.push(agent.close);
    const protection = keeper(agent.uri, { jobs: 1 }, { now: 0 });
    await protection.check();

    await protection.stop();

    expect(agent.calls.at(-1)?.body).toEqual({ ProtectionEnabled: false });
  });
});
