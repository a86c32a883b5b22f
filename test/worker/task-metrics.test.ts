import { describe, expect, it } from "vitest";
import {
  EMF_NAMESPACE,
  RUNNING_STREAMS_METRIC,
  startEmfReporter,
  TASK_DIMENSION,
  taskEmfDocument,
} from "../../core-service/src/worker/emf-metrics.ts";
import { LiveStreams } from "../../core-service/src/worker/live-streams.ts";
import { fakeLiveEngine, liveHarness } from "./live-harness.ts";
import { aQueueMessage, startedWorkers, waitFor } from "./worker-harness.ts";

describe("per-task metrics", () => {
  const started = startedWorkers();

  it("writes RunningStreams under the service's dimension, in a document CloudWatch extracts", () => {
    const at = new Date("2026-01-01T12:00:00.000Z");
    const doc = JSON.parse(JSON.stringify(taskEmfDocument("avmon-video", 7, at)));

    expect(doc._aws).toEqual({
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [["ServiceName"]],
          Metrics: [{ Name: "RunningStreams", Unit: "Count" }],
        },
      ],
    });
    expect(doc[TASK_DIMENSION]).toBe("avmon-video");
    expect(doc[RUNNING_STREAMS_METRIC]).toBe(7);
  });

  it("reports the live jobs the worker holds, and 0 for an idle task so the average over tasks counts it", async () => {
    const { queue, createWorker } = liveHarness();
    const worker = started(createWorker(fakeLiveEngine().analyze));
    const lines: string[] = [];
    const stop = startEmfReporter({
      streams: new LiveStreams(),
      task: { serviceName: "avmon-all", runningStreams: () => worker.runningLiveJobs() },
      write: (line) => lines.push(line),
      intervalSeconds: 0.02,
    });
    const runningStreams = () =>
      lines
        .map((line) => JSON.parse(line))
        .filter((doc) => doc[TASK_DIMENSION] === "avmon-all")
        .map((doc) => doc[RUNNING_STREAMS_METRIC]);
    try {
      await waitFor(() => runningStreams().includes(0));
      for (let i = 0; i < 2; i++)
        await queue.send(aQueueMessage({ mode: "live", source: "http://o/a.m3u8" }));
      await waitFor(() => runningStreams().includes(2));
    } finally {
      stop();
    }
    expect(runningStreams().every((count) => count >= 0 && count <= 2)).toBe(true);
    for (const line of lines) expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n")).toBe(true);
  });
});
