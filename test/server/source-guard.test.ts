import { afterEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { startStack } from "./stack-fixture.ts";

describe("POST /v1/jobs and private network sources", () => {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.stop(1000);
    stack = undefined;
  });

  it("refuses a URL on a private address when AVMON_ALLOW_PRIVATE_SOURCES is false, queueing nothing", async () => {
    const started = await startStack({}, { AVMON_ALLOW_PRIVATE_SOURCES: "false" });
    stack = started.stack;

    const response = await started.post("/v1/jobs", {
      source: "http://169.254.169.254/latest/x.m3u8",
      mode: "file",
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: "source" });
    expect(started.stack.queue.counts()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("accepts a stream on the local network by default", async () => {
    const started = await startStack({}, {});
    stack = started.stack;

    const response = await started.post("/v1/jobs", {
      source: "http://192.168.1.20/live.m3u8",
      mode: "file",
    });

    expect(response.status).toBe(202);
  });
});
