import { describe, expect, it } from "vitest";
import { MemoryEventBus } from "../../core-service/src/adapters/memory/memory-event-bus.ts";
import type { LiveStats } from "../../core-service/src/live/types.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { Metrics } from "../../core-service/src/server/metrics.ts";
import { EMF_NAMESPACE, emfDocument, startEmfReporter } from "../../core-service/src/worker/emf-metrics.ts";
import { LiveStreams } from "../../core-service/src/worker/live-streams.ts";
import { anOpenDefect } from "../support/avmon-events.ts";

const stats = (overrides: Partial<LiveStats> = {}): LiveStats => ({
  lagSeconds: 0.4321,
  profile: "full",
  framesPerSecond: 29.9,
  openDefects: [anOpenDefect({ type: "freeze" }), anOpenDefect({ type: "silence" })],
  connected: true,
  reconnects: 2,
  streamTime: 120,
  ...overrides,
});

function metricsOver(streams: LiveStreams): Metrics {
  return new Metrics({
    bus: new MemoryEventBus({ logger: silentLogger }),
    queueCounts: () => ({ visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 }),
    eventsPublished: () => 0,
    eventsFailed: () => 0,
    webhookDeliveries: () => ({ delivered: 0, retried: 0, failed: 0 }),
    liveStreams: () => streams.samples(),
  });
}

describe("per-stream metrics", () => {
  it("shows each live job's lag, frame rate and open defects in /metrics, labelled by jobId", () => {
    const streams = new LiveStreams();
    streams.update("job-a", "http://o/a.m3u8", stats());
    streams.update("job-b", "srt://o:9000", stats({ connected: false, openDefects: [], framesPerSecond: 0 }));
    const text = metricsOver(streams).render();

    expect(text).toContain("# TYPE avmon_live_lag_seconds gauge");
    expect(text).toContain('avmon_live_lag_seconds{jobId="job-a"} 0.432');
    expect(text).toContain('avmon_live_frames_per_second{jobId="job-a"} 29.9');
    expect(text).toContain('avmon_live_open_defects{jobId="job-a"} 2');
    expect(text).toContain('avmon_live_open_defects{jobId="job-b"} 0');
    expect(text).toContain('avmon_live_connected{jobId="job-b"} 0');
    expect(text).toContain('avmon_live_reconnects_total{jobId="job-a"} 2');
  });

  it("drops a live job's series once the job ends", () => {
    const streams = new LiveStreams();
    streams.update("job-a", "http://o/a.m3u8", stats());
    streams.remove("job-a");
    expect(metricsOver(streams).render()).not.toContain('jobId="job-a"');
  });
});

describe("CloudWatch embedded metric format", () => {
  const sample = () => {
    const streams = new LiveStreams();
    streams.update("job-a", "http://o/a.m3u8", stats());
    return { streams, sample: streams.samples()[0] as NonNullable<ReturnType<LiveStreams["samples"]>[0]> };
  };

  it("writes a document CloudWatch extracts: _aws metadata with a millisecond timestamp and one directive", () => {
    const at = new Date("2025-01-01T12:00:00.000Z");
    const doc = JSON.parse(JSON.stringify(emfDocument(sample().sample, at)));

    expect(doc._aws.Timestamp).toBe(at.getTime());
    expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
    const [directive] = doc._aws.CloudWatchMetrics;
    expect(Object.keys(directive).sort()).toEqual(["Dimensions", "Metrics", "Namespace"]);
    expect(directive.Namespace).toBe(EMF_NAMESPACE);
    expect(directive.Dimensions).toEqual([["JobId"]]);
  });

  it("gives every referenced dimension a string value and every referenced metric a number at the root", () => {
    const doc = JSON.parse(JSON.stringify(emfDocument(sample().sample, new Date())));
    const [directive] = doc._aws.CloudWatchMetrics;
    for (const dimension of directive.Dimensions.flat()) expect(typeof doc[dimension]).toBe("string");
    expect(directive.Metrics.map((m: { Name: string }) => m.Name)).toEqual([
      "LagSeconds",
      "FramesPerSecond",
      "OpenDefects",
      "Reconnects",
    ]);
    for (const metric of directive.Metrics) {
      expect(typeof doc[metric.Name]).toBe("number");
      // Units CloudWatch accepts (StandardUnit values).
      expect(["Seconds", "Count/Second", "Count"]).toContain(metric.Unit);
    }
    expect(doc).toMatchObject({ JobId: "job-a", LagSeconds: 0.432, FramesPerSecond: 29.9, OpenDefects: 2 });
  });

  it("writes one JSON line per running stream per interval", async () => {
    const { streams } = sample();
    streams.update("job-b", "http://o/b.ts", stats());
    const lines: string[] = [];
    const stop = startEmfReporter({ streams, write: (line) => lines.push(line), intervalSeconds: 0.05 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    stop();

    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n")).toBe(true);
    expect(lines.map((line) => JSON.parse(line).JobId).sort()).toEqual(["job-a", "job-b"]);
  });
});
