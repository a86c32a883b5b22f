/**
 * Live metrics as CloudWatch Embedded Metric Format: each interval, one JSON log line per live stream
 * (dimension JobId) and one for the task (dimension ServiceName), on stdout, which the container's awslogs
 * driver hands to CloudWatch Logs, where the metrics are extracted (namespace "avmon"). No SDK call and no
 * extra permission: the log group is enough.
 */
import type { LiveStreamSample, LiveStreams } from "./live-streams.ts";

export const EMF_NAMESPACE = "avmon";
export const EMF_DIMENSION = "JobId";

/** Per-stream metrics, dimension `JobId`; the CloudWatch dashboard graphs them by name. */
export const EMF_METRICS = [
  { Name: "LagSeconds", Unit: "Seconds" },
  { Name: "FramesPerSecond", Unit: "Count/Second" },
  { Name: "OpenDefects", Unit: "Count" },
  { Name: "Reconnects", Unit: "Count" },
] as const;

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly JobId: string;
  readonly LagSeconds: number;
  readonly FramesPerSecond: number;
  readonly OpenDefects: number;
  readonly Reconnects: number;
  /** Not a dimension (it would make one metric per URL); searchable in Logs Insights. */
  readonly source: string;
}

export function emfDocument(sample: LiveStreamSample, now: Date): EmfDocument {
  return {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        { Namespace: EMF_NAMESPACE, Dimensions: [[EMF_DIMENSION]], Metrics: [...EMF_METRICS] },
      ],
    },
    JobId: sample.jobId,
    LagSeconds: sample.lagSeconds,
    FramesPerSecond: sample.framesPerSecond,
    OpenDefects: sample.openDefects,
    Reconnects: sample.reconnects,
    source: sample.source,
  };
}

/** Live streams one task follows; the stack's target tracking holds its Average over tasks under the cap. */
export const RUNNING_STREAMS_METRIC = "RunningStreams";
/** The per-task document's dimension: every task of one service writes the same value (AVMON_SERVICE_NAME). */
export const TASK_DIMENSION = "ServiceName";

/** What the per-task document reports: the service its tasks share, and this task's count. */
export interface TaskMetricsSource {
  readonly serviceName: string;
  /** Live jobs this task holds now (Worker.runningLiveJobs), connecting ones included. */
  readonly runningStreams: () => number;
}

/** The task's document, written every interval even at 0, so the average over tasks counts idle ones too. */
export function taskEmfDocument(serviceName: string, runningStreams: number, now: Date) {
  return {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [[TASK_DIMENSION]],
          Metrics: [{ Name: RUNNING_STREAMS_METRIC, Unit: "Count" }],
        },
      ],
    },
    [TASK_DIMENSION]: serviceName,
    [RUNNING_STREAMS_METRIC]: runningStreams,
  };
}

export interface EmfReporterOptions {
  readonly streams: LiveStreams;
  /** When given, the task's RunningStreams document is written each interval too. */
  readonly task?: TaskMetricsSource;
  /** Where lines go: process.stdout in the container. */
  readonly write: (line: string) => void;
  /** CloudWatch's standard resolution is one minute; 10 s keeps a stalled stream visible quickly. */
  readonly intervalSeconds?: number;
  readonly now?: () => Date;
}

/** Writes one EMF line per running live stream, and the task's, every interval; returns a function that stops it. */
export function startEmfReporter(options: EmfReporterOptions): () => void {
  const now = options.now ?? (() => new Date());
  const timer = setInterval(
    () => {
      const at = now();
      for (const sample of options.streams.samples()) {
        options.write(`${JSON.stringify(emfDocument(sample, at))}\n`);
      }
      const task = options.task;
      if (task) {
        options.write(`${JSON.stringify(taskEmfDocument(task.serviceName, task.runningStreams(), at))}\n`);
      }
    },
    (options.intervalSeconds ?? 10) * 1000,
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** Events the bus refused for good and parked for replay; alarmed (infra/lib/constructs/monitoring.ts). */
export const UNDELIVERABLE_EVENTS_METRIC = "UndeliverableEvents";
/** The `service` dimension, as Powertools names it in the Lambdas' metrics: the alarm sums the three. */
export const CORE_SERVICE_NAME = "avmon-core";

/** One EMF line counting an event given up on; type, code and ids ride along for Logs Insights. */
export function undeliverableEventDocument(
  event: { readonly id: string; readonly "detail-type": string; readonly detail: { readonly jobId: string } },
  errorCode: string,
  now: Date,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [["service"]],
          Metrics: [{ Name: UNDELIVERABLE_EVENTS_METRIC, Unit: "Count" }],
        },
      ],
    },
    service: CORE_SERVICE_NAME,
    [UNDELIVERABLE_EVENTS_METRIC]: 1,
    detailType: event["detail-type"],
    eventId: event.id,
    jobId: event.detail.jobId,
    errorCode,
  };
}

/** The worker's `onUndeliverable`: one EMF line per event given up on, through `write` (stdout in the container). */
export function emfUndeliverableCounter(
  write: (line: string) => void,
  now: () => Date = () => new Date(),
): (event: Parameters<typeof undeliverableEventDocument>[0], errorCode: string) => void {
  return (event, errorCode) =>
    write(`${JSON.stringify(undeliverableEventDocument(event, errorCode, now()))}\n`);
}
