import type { LiveUsage } from "../domain/job.ts";
import type { LiveStats } from "../live/types.ts";

/** The latest figures of one live job this process follows. */
export interface LiveStreamSample {
  readonly jobId: string;
  readonly source: string;
  readonly lagSeconds: number;
  readonly framesPerSecond: number;
  readonly openDefects: number;
  readonly connected: boolean;
  readonly reconnects: number;
  /** The job's profile, escalations and CPU so far (worker/live-usage.ts). */
  readonly usage?: LiveUsage;
}

/**
 * The live jobs running in this process and their latest stats: written by the job runner, read by /metrics
 * and the CloudWatch EMF reporter. One entry per running job, removed when it ends, so it never grows.
 */
export class LiveStreams {
  readonly #streams = new Map<string, LiveStreamSample>();

  update(jobId: string, source: string, stats: LiveStats, usage?: LiveUsage): void {
    this.#streams.set(jobId, {
      jobId,
      source,
      lagSeconds: round(stats.lagSeconds),
      framesPerSecond: stats.framesPerSecond,
      openDefects: stats.openDefects.length,
      connected: stats.connected,
      reconnects: stats.reconnects,
      ...(usage && { usage }),
    });
  }

  remove(jobId: string): void {
    this.#streams.delete(jobId);
  }

  samples(): LiveStreamSample[] {
    return [...this.#streams.values()];
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
