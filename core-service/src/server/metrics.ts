import { DETAIL_TYPES, EVENT_SOURCE } from "../domain/events.ts";
import { JobStatus, type LiveUsage } from "../domain/job.ts";
import type { SubscribableEventBus } from "../ports/event-bus.ts";
import type { LiveStreamSample } from "../worker/live-streams.ts";

export interface MetricSources {
  readonly bus: SubscribableEventBus;
  readonly queueCounts: () => { visible: number; inFlight: number; delayed: number; deadLetters: number };
  readonly eventsPublished: () => number;
  readonly eventsFailed: () => number;
  readonly webhookDeliveries: () => { delivered: number; retried: number; failed: number };
  /** Events the bus dropped for an in-process subscriber that fell too far behind. */
  readonly deliveriesDropped?: () => number;
  /** SSE clients dropped with `lagged`. */
  readonly eventStreamsLagged?: () => number;
  /** The live jobs this process follows now, with their latest stats. */
  readonly liveStreams?: () => readonly LiveStreamSample[];
}

const MAX_TRACKED_JOBS = 10_000;

/** The local stack's counters, kept from the bus, rendered in Prometheus's text format for /metrics. */
export class Metrics {
  readonly #sources: MetricSources;
  readonly #jobStatus = new Map<string, JobStatus>();
  readonly #defects = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(sources: MetricSources) {
    this.#sources = sources;
    this.#unsubscribe = sources.bus.subscribe(
      { source: [EVENT_SOURCE], "detail-type": [...DETAIL_TYPES] },
      (event) => {
        switch (event["detail-type"]) {
          case "Job Accepted":
            if (!this.#jobStatus.has(event.detail.jobId)) this.#track(event.detail.jobId, "queued");
            return;
          case "Job Started":
            return this.#track(event.detail.jobId, "running");
          case "Job Completed":
            return this.#track(
              event.detail.jobId,
              event.detail.reason === "stopped" ? "stopped" : "completed",
            );
          case "Job Failed":
            return this.#track(event.detail.jobId, "failed");
          case "Defect Detected": {
            const type = event.detail.defect.type;
            this.#defects.set(type, (this.#defects.get(type) ?? 0) + 1);
            return;
          }
          case "Defect Cleared":
          case "Job Progress":
            return;
        }
      },
    );
  }

  close(): void {
    this.#unsubscribe();
  }

  render(): string {
    const queue = this.#sources.queueCounts();
    const webhooks = this.#sources.webhookDeliveries();
    const byStatus = new Map<string, number>(JobStatus.options.map((s) => [s, 0]));
    for (const status of this.#jobStatus.values()) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    return [
      gauge(
        "avmon_jobs",
        "Jobs by status.",
        [...byStatus].map(([status, n]) => [{ status }, n]),
      ),
      counter(
        "avmon_defects_detected_total",
        "Defect Detected events, by defect type.",
        [...this.#defects].map(([type, n]) => [{ type }, n]),
      ),
      gauge("avmon_queue_messages", "Jobs on the queue, by state.", [
        [{ state: "visible" }, queue.visible],
        [{ state: "in_flight" }, queue.inFlight],
        [{ state: "delayed" }, queue.delayed],
      ]),
      gauge("avmon_queue_dead_letters", "Messages moved to the dead-letter list.", [[{}, queue.deadLetters]]),
      counter("avmon_events_published_total", "Events accepted by the bus.", [
        [{}, this.#sources.eventsPublished()],
      ]),
      counter("avmon_events_failed_total", "Events the bus refused.", [[{}, this.#sources.eventsFailed()]]),
      counter("avmon_webhook_deliveries_total", "Webhook delivery attempts, by outcome.", [
        [{ outcome: "delivered" }, webhooks.delivered],
        [{ outcome: "retried" }, webhooks.retried],
        [{ outcome: "failed" }, webhooks.failed],
      ]),
      counter(
        "avmon_events_undeliverable_total",
        "Events a target refused for good, parked in the data folder for avmon replay-events.",
        [[{ target: "webhook" }, webhooks.failed]],
      ),
      counter(
        "avmon_event_deliveries_dropped_total",
        "Events dropped for an in-process subscriber too far behind.",
        [[{}, this.#sources.deliveriesDropped?.() ?? 0]],
      ),
      counter("avmon_event_streams_lagged_total", "SSE clients dropped with a final lagged message.", [
        [{}, this.#sources.eventStreamsLagged?.() ?? 0],
      ]),
      ...this.#liveFamilies(),
    ].join("");
  }

  /** One sample per live job: labelled by jobId, gone when the job ends, so the series set stays bounded. */
  #liveFamilies(): string[] {
    const streams = this.#sources.liveStreams?.() ?? [];
    const per = (value: (s: LiveStreamSample) => number): Sample[] =>
      streams.map((s) => [{ jobId: s.jobId }, value(s)]);
    return [
      gauge(
        "avmon_live_lag_seconds",
        "How far analysis runs behind the live stream.",
        per((s) => s.lagSeconds),
      ),
      gauge(
        "avmon_live_frames_per_second",
        "Video frames analysed per second.",
        per((s) => s.framesPerSecond),
      ),
      gauge(
        "avmon_live_open_defects",
        "Defects open now on the stream.",
        per((s) => s.openDefects),
      ),
      gauge(
        "avmon_live_connected",
        "1 while ffmpeg delivers the stream, 0 while reconnecting.",
        per((s) => (s.connected ? 1 : 0)),
      ),
      counter(
        "avmon_live_reconnects_total",
        "Reconnects to the source since the job started on this worker.",
        per((s) => s.reconnects),
      ),
      ...usageFamilies(streams),
    ];
  }

  #track(jobId: string, status: JobStatus): void {
    this.#jobStatus.delete(jobId);
    this.#jobStatus.set(jobId, status);
    if (this.#jobStatus.size > MAX_TRACKED_JOBS) {
      const oldest = this.#jobStatus.keys().next();
      if (!oldest.done) this.#jobStatus.delete(oldest.value);
    }
  }
}

type Sample = readonly [Record<string, string>, number];

/**
 * Profile, escalations and CPU of each live job. The profile and the last escalation's cause are labels of info
 * metrics (value 1) rather than of the counters: a label that changes would start a new counter series each time.
 */
function usageFamilies(streams: readonly LiveStreamSample[]): string[] {
  const measured = streams.flatMap((s) => (s.usage ? [{ jobId: s.jobId, usage: s.usage }] : []));
  const per = (value: (usage: LiveUsage) => number): Sample[] =>
    measured.map(({ jobId, usage }) => [{ jobId }, value(usage)]);
  const lastCauses: Sample[] = measured.flatMap(({ jobId, usage }) => {
    const cause = usage.escalations.lastCause;
    return cause === undefined ? [] : [[{ jobId, cause }, 1] as const];
  });
  return [
    gauge(
      "avmon_live_stream_info",
      "The decode profile of each live job (full or economy); value 1.",
      measured.map(({ jobId, usage }) => [{ jobId, profile: usage.profile }, 1]),
    ),
    gauge(
      "avmon_live_escalated",
      "1 while an economy stream decodes every picture, 0 otherwise.",
      per((u) => (u.escalated ? 1 : 0)),
    ),
    counter(
      "avmon_live_escalations_total",
      "Times an economy stream went to full decode, across the job's deliveries.",
      per((u) => u.escalations.count),
    ),
    gauge(
      "avmon_live_last_escalation_info",
      "Why each economy stream last went to full decode (black, still, decoder-complaint, bitrate-collapse, open-defect); value 1.",
      lastCauses,
    ),
    counter(
      "avmon_live_cpu_seconds_total",
      "CPU seconds of the job's ffmpegs and its even share of this process, across the job's deliveries.",
      per((u) => u.cpuSeconds),
    ),
    gauge(
      "avmon_live_cpu_seconds_per_media_hour",
      "The job's CPU seconds per hour of stream watched.",
      per((u) => u.cpuSecondsPerMediaHour),
    ),
  ];
}

function gauge(name: string, help: string, samples: readonly Sample[]): string {
  return family(name, "gauge", help, samples);
}

function counter(name: string, help: string, samples: readonly Sample[]): string {
  return family(name, "counter", help, samples);
}

function family(name: string, type: string, help: string, samples: readonly Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labelText(labels)} ${value}`);
  return `${lines.join("\n")}\n`;
}

function labelText(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}
