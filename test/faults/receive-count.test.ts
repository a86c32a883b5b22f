/**
 * The worker fails a job for good on the delivery the queue's redrive policy says is its last. Both numbers come
 * from the synthesized stack: the redrive policy of the jobs queue and the task's container environment (read
 * by the worker's own config parser). A mismatch sends retryable failures to the DLQ without a Job Failed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import { parseConfig } from "../../core-service/src/config.ts";
import { SourceUnreachableError } from "../../core-service/src/domain/errors.ts";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import type { Analyzer } from "../../core-service/src/worker/analyzer.ts";
import { Worker } from "../../core-service/src/worker/worker.ts";
import { type CfnJson, resourcesOf, synthAvmon } from "../infra/synth.ts";
import { countMessages, createQueueWithDlq, peekBodies } from "../support/fauxqs-queues.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { aQueueMessage, waitFor } from "../worker/worker-harness.ts";

interface DeployedGroup {
  readonly redriveMaxReceiveCount: number;
  readonly environment: Record<string, string>;
}

/** Each task definition's environment (plain values only) with the redrive policy of the queue it reads. */
function deployedGroups(): DeployedGroup[] {
  const { template } = synthAvmon(
    {
      detectorGroups: [
        { name: "video", detectors: ["black", "freeze"] },
        { name: "audio", detectors: ["silence"] },
      ],
    },
    { bundle: false },
  );
  const queues = Object.fromEntries(resourcesOf(template, "AWS::SQS::Queue"));
  return resourcesOf(template, "AWS::ECS::TaskDefinition").map(([, task]) => {
    const variables: CfnJson[] = task.Properties.ContainerDefinitions[0].Environment;
    const queueRef = variables.find((v) => v.Name === "AVMON_QUEUE_URL")?.Value.Ref;
    const environment = Object.fromEntries(
      variables.filter((v) => typeof v.Value === "string").map((v) => [v.Name, v.Value as string]),
    );
    return {
      redriveMaxReceiveCount: queues[queueRef]?.Properties.RedrivePolicy.maxReceiveCount,
      environment,
    };
  });
}

let server: FauxqsServer;
beforeAll(async () => {
  server = await startFauxqsServer();
});
afterAll(async () => {
  await server.stop();
});

describe("receive count: the queue and the worker agree", () => {
  it("publishes Job Failed on the last delivery the deployed redrive policy allows, and the DLQ stays empty", async () => {
    const groups = deployedGroups();
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      const config = parseConfig(group.environment);
      expect(config.maxReceiveCount, "worker's receive count vs the queue's redrive").toBe(
        group.redriveMaxReceiveCount,
      );
    }
    const [{ environment, redriveMaxReceiveCount }] = groups as [DeployedGroup];
    const config = parseConfig(environment);
    const { queueUrl, dlqUrl } = await createQueueWithDlq(server, {
      visibilityTimeoutSeconds: 1,
      maxReceiveCount: redriveMaxReceiveCount,
    });
    const queue = new SqsJobQueue({
      client: server.client,
      queueUrl,
      visibilityTimeoutSeconds: 1,
      waitTimeSeconds: 1,
    });
    const bus = new MemoryEventBus({ logger: silentLogger });
    const events: AvmonEvent[] = [];
    bus.subscribe({ source: ["avmon"] }, (event) => {
      events.push(event);
    });
    const unreachable: Analyzer = async () => {
      throw new SourceUnreachableError("origin.example: connection refused");
    };
    const worker = new Worker({
      queue,
      bus,
      analyze: unreachable,
      detectors: config.detectors,
      maxReceiveCount: config.maxReceiveCount,
      retryBaseSeconds: 0,
      concurrency: 1,
      logger: silentLogger,
    });
    const message = aQueueMessage();
    await queue.send(message);
    worker.start();
    try {
      await waitFor(
        async () =>
          events.some((e) => e["detail-type"] === "Job Failed") ||
          (await peekBodies(server, dlqUrl)).length > 0,
        30_000,
      );
    } finally {
      await worker.stop(0);
    }

    const attempts = events.filter((e) => e["detail-type"] === "Job Started").map((e) => e.detail);
    expect(attempts.map((d) => ("attempt" in d ? d.attempt : 0))).toEqual(
      Array.from({ length: redriveMaxReceiveCount }, (_, i) => i + 1),
    );
    expect(events.at(-1)).toMatchObject({
      "detail-type": "Job Failed",
      detail: { error: { code: "SOURCE_UNREACHABLE", retryable: true } },
    });
    expect(await peekBodies(server, dlqUrl)).toEqual([]);
    expect(await countMessages(server, queueUrl)).toBe(0);
  });
});
