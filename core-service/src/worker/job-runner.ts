import type { DetectorEvent } from "../detectors/types.ts";
import type { ClosedDefect, DetectorName } from "../domain/defect.ts";
import { ConfigError } from "../domain/errors.ts";
import {
  type AvmonEvent,
  defectCleared,
  defectDetected,
  jobCompleted,
  jobFailed,
  jobStarted,
} from "../domain/events.ts";
import type { Report } from "../domain/report.ts";
import type { Logger } from "../logging/logger.ts";
import type { EventBus } from "../ports/event-bus.ts";
import type { JobQueue, ReceivedJob } from "../ports/job-queue.ts";
import type { JobStore } from "../ports/job-store.ts";
import type { Analyzer } from "./analyzer.ts";
import { interruptionOf, JobInterruption } from "./interruption.ts";
import { PublishedAlerts } from "./published-alerts.ts";
import { describeFailure, retryDelaySeconds } from "./retry-policy.ts";

export interface JobRunnerOptions {
  readonly queue: JobQueue;
  readonly bus: EventBus;
  readonly analyze: Analyzer;
  /** The detectors this worker runs (its detector group); a job gets the ones it asked for among them. */
  readonly detectors: readonly DetectorName[];
  /** Deliveries after which a retryable failure fails the job for good; match the queue's redrive policy. */
  readonly maxReceiveCount: number;
  readonly retryBaseSeconds: number;
  readonly workerId: string;
  readonly logger: Logger;
  /** Where earlier attempts' alerts are recorded, so a redelivered job does not repeat them. */
  readonly jobStore?: JobStore;
  /** Stops recorded before the job started (DELETE on a queued job). */
  readonly isStopRequested?: (jobId: string) => boolean;
}

/** One delivery of one job, from Job Started to ack, release or Job Failed. */
export class JobRun {
  readonly #job: ReceivedJob;
  readonly #options: JobRunnerOptions;
  readonly #controller: AbortController;
  readonly #logger: Logger;
  readonly #closed: ClosedDefect[] = [];

  constructor(job: ReceivedJob, options: JobRunnerOptions, controller: AbortController) {
    this.#job = job;
    this.#options = options;
    this.#controller = controller;
    this.#logger = options.logger.child({ jobId: job.message.jobId, attempt: job.receiveCount });
  }

  get #jobId(): string {
    return this.#job.message.jobId;
  }

  async run(): Promise<void> {
    const { queue } = this.#options;
    const heartbeat = queue.startHeartbeat(this.#job);
    const onLeaseLost = () => this.#controller.abort(new JobInterruption("lease-lost"));
    heartbeat.leaseLost.addEventListener("abort", onLeaseLost, { once: true });
    try {
      if (this.#options.isStopRequested?.(this.#jobId)) this.#controller.abort(new JobInterruption("stop"));
      const report = await this.#analyze();
      await this.#publish(jobCompleted(this.#jobId, report));
      this.#throwIfHalted();
      await queue.ack(this.#job);
      this.#logger.info("job completed", { defects: report.defects.length });
    } catch (error) {
      await this.#settleFailure(error);
    } finally {
      heartbeat.leaseLost.removeEventListener("abort", onLeaseLost);
      await heartbeat.stop();
    }
  }

  async #analyze(): Promise<Report> {
    const signal = this.#controller.signal;
    signal.throwIfAborted();
    const alerts = await PublishedAlerts.load(this.#options.jobStore, this.#jobId);
    await this.#publish(
      jobStarted(this.#jobId, { attempt: this.#job.receiveCount, workerId: this.#options.workerId }),
    );
    return this.#options.analyze(this.#job.message, {
      detectors: this.#detectors(),
      signal,
      onDetectorEvent: (event) => this.#publishDefect(event, alerts),
    });
  }

  #detectors(): DetectorName[] {
    const asked = this.#job.message.detectors;
    const own = this.#options.detectors;
    const chosen = asked.length === 0 ? [...own] : asked.filter((name) => own.includes(name));
    if (chosen.length === 0) {
      throw new ConfigError(
        `detectors: none of ${asked.join(", ")} runs in this worker (it runs ${own.join(", ")})`,
      );
    }
    return chosen;
  }

  async #publishDefect(event: DetectorEvent, alerts: PublishedAlerts): Promise<void> {
    if (event.kind === "close") this.#closed.push(event.defect);
    const published =
      event.kind === "open"
        ? defectDetected(this.#jobId, event.defect)
        : defectCleared(this.#jobId, event.defect);
    if (alerts.has(published)) {
      this.#logger.debug("alert already published by an earlier attempt", {
        alertId: published.detail.alertId,
      });
      return;
    }
    await this.#publish(published);
    alerts.add(published);
  }

  /** Publishing stops the moment the worker is halted: a dead process says nothing more. */
  async #publish(event: AvmonEvent): Promise<void> {
    this.#throwIfHalted();
    await this.#options.bus.publish([event]);
  }

  #throwIfHalted(): void {
    if (interruptionOf(this.#controller.signal) === "halt") throw this.#controller.signal.reason;
  }

  async #settleFailure(error: unknown): Promise<void> {
    const interruption = interruptionOf(this.#controller.signal);
    try {
      if (interruption === undefined) await this.#fail(error);
      else await this.#settleInterruption(interruption);
    } catch (settleError) {
      // The bus or the queue failed while we reported: leave the delivery to time out and come back.
      this.#logger.error("could not settle the job; it will be redelivered", { error: settleError });
    }
  }

  async #settleInterruption(kind: JobInterruption["kind"]): Promise<void> {
    const { queue } = this.#options;
    switch (kind) {
      case "shutdown":
        await queue.release(this.#job);
        this.#logger.info("job released for another worker (shutdown)");
        return;
      case "stop":
        await this.#publish(jobCompleted(this.#jobId, this.#partialReport(), new Date(), "stopped"));
        await queue.ack(this.#job);
        this.#logger.info("job stopped on request");
        return;
      case "halt":
      case "lease-lost":
        this.#logger.warn("job abandoned; the queue will deliver it again", { reason: kind });
        return;
    }
  }

  async #fail(error: unknown): Promise<void> {
    const failure = describeFailure(error);
    const { queue, maxReceiveCount, retryBaseSeconds } = this.#options;
    if (failure.retryable && this.#job.receiveCount < maxReceiveCount) {
      const delaySeconds = retryDelaySeconds(this.#job.receiveCount, retryBaseSeconds);
      await queue.release(this.#job, { delaySeconds });
      this.#logger.warn("job failed, will retry", { error, code: failure.code, delaySeconds });
      return;
    }
    await this.#publish(jobFailed(this.#jobId, failure));
    await queue.ack(this.#job);
    this.#logger.error("job failed", { error, code: failure.code, retryable: failure.retryable });
  }

  /** What a stopped job found before it was stopped. */
  #partialReport(): Report {
    const duration = Math.max(0, ...this.#closed.map((d) => d.end));
    return {
      source: this.#job.message.source,
      media: { duration },
      defects: [...this.#closed],
      stats: { videoFrames: 0, audioSeconds: 0, wallSeconds: 0, realtimeFactor: 0 },
    };
  }
}
