import type { Logger } from "../logging/logger.ts";
import type { StopRequestReader } from "../ports/stop-requests.ts";

export interface StoppableJobs {
  runningJobIds(): string[];
  stopJob(jobId: string): boolean;
}

export interface StopRequestPollerOptions {
  readonly requests: StopRequestReader;
  readonly jobs: StoppableJobs;
  readonly logger: Logger;
  readonly intervalMs?: number;
}

const DEFAULT_INTERVAL_MS = 3000;

/**
 * Sees `DELETE /v1/jobs/{id}` on AWS, where the request lands in a table rather than in this process: every
 * few seconds, and only while jobs run, asks whether any running job has a stop request and stops it.
 */
export class StopRequestPoller {
  readonly #options: StopRequestPollerOptions;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> = Promise.resolve();
  /** Jobs already told to stop; a stopping job may run a moment longer and needs no second read. */
  readonly #stopped = new Set<string>();

  constructor(options: StopRequestPollerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#tick = this.#tick.then(() => this.poll());
    }, this.#options.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#tick;
  }

  /** One round: one read per running job, none at all while idle. */
  async poll(): Promise<void> {
    const { jobs, requests, logger } = this.#options;
    const running = jobs.runningJobIds();
    for (const jobId of this.#stopped) if (!running.includes(jobId)) this.#stopped.delete(jobId);
    await Promise.all(
      running.map(async (jobId) => {
        if (this.#stopped.has(jobId)) return;
        try {
          if (!(await requests.isRequested(jobId))) return;
          if (!jobs.stopJob(jobId)) return;
          this.#stopped.add(jobId);
          logger.info("job stopped on request", { jobId });
        } catch (error) {
          logger.warn("could not read stop requests; trying again shortly", { jobId, error });
        }
      }),
    );
  }
}
