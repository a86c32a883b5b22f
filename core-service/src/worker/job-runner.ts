import type { ClosedDefect, DetectorName } from "../domain/defect.ts";
import { ConfigError, LimitReachedError } from "../domain/errors.ts";
import {
  type AvmonEvent,
  defectCleared,
  defectDetected,
  jobCompleted,
  jobFailed,
  jobStarted,
} from "../domain/events.ts";
import type { Report } from "../domain/report.ts";
import type { LevelsSink } from "../domain/signal-levels.ts";
import type { Logger } from "../logging/logger.ts";
import type { AnalysisEvent } from "../pipeline/detector-set.ts";
import type { EventBus } from "../ports/event-bus.ts";
import type { EvidenceStore } from "../ports/evidence-store.ts";
import type { Heartbeat, JobQueue, ReceivedJob } from "../ports/job-queue.ts";
import type { JobStore } from "../ports/job-store.ts";
import type { Analyzer } from "./analyzer.ts";
import { SETTLE_MS, untilAborted, whenAborted } from "./bounded.ts";
import { type InterruptionKind, interruptionOf, JobInterruption } from "./interruption.ts";
import { jobEvidenceKeeper } from "./job-evidence.ts";
import { type LiveAnalyzer, liveMediaAnalyzer } from "./live-analyzer.ts";
import {
  clearOpenDefects,
  continuationOf,
  DEFAULT_LIVE_SETTINGS,
  defaultMaxDurationReached,
  type LiveJobResult,
  type LiveJobSettings,
  runLiveJob,
} from "./live-job.ts";
import type { LiveStreams } from "./live-streams.ts";
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
  /** Follows `"mode": "live"` jobs; the real live engine unless a test passes another. */
  readonly analyzeLive?: LiveAnalyzer;
  /** Defaults of live jobs' options. */
  readonly live?: Partial<LiveJobSettings>;
  /** Where running live jobs report their stats, for /metrics and CloudWatch EMF. */
  readonly liveStreams?: LiveStreams;
  /** Where running jobs report their signal levels, for the local dashboard's live tiles. */
  readonly levels?: LevelsSink;
  /** Where each defect's evidence image goes (the data folder locally, the ingest bucket on AWS); none = no evidence. */
  readonly evidence?: EvidenceStore;
}

/** One delivery of one job, from Job Started to ack, release or Job Failed. */
export class JobRun {
  readonly #job: ReceivedJob;
  readonly #options: JobRunnerOptions;
  readonly #controller = new AbortController();
  readonly #logger: Logger;
  readonly #closed: ClosedDefect[] = [];
  /** Aborts SETTLE_MS after the run is interrupted: what settling still waits on (bus, queue) is given up then. */
  readonly #settleBy = new AbortController();
  #heartbeat: Heartbeat | undefined;
  /** Set once the worker is gone or the lease is: from then on nothing is published, sent or acked. */
  #silenced = false;

  constructor(job: ReceivedJob, options: JobRunnerOptions) {
    this.#job = job;
    this.#options = options;
    this.#logger = options.logger.child({ jobId: job.message.jobId, attempt: job.receiveCount });
  }

  get #jobId(): string {
    return this.#job.message.jobId;
  }

  /** True once the run was told to end, whatever the reason. */
  get interrupted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Cuts the run short; the first reason wins, but `halt` and `lease-lost` silence it whenever they come. */
  interrupt(kind: InterruptionKind): void {
    if (kind === "halt" || kind === "lease-lost") this.#silenced = true;
    if (this.interrupted) return;
    const reason = new JobInterruption(kind);
    this.#controller.abort(reason);
    setTimeout(() => this.#settleBy.abort(reason), SETTLE_MS).unref();
  }

  async run(): Promise<void> {
    const { queue } = this.#options;
    // A file job cannot be carried on by a new message, so its redeliveries share one visibility cap.
    const heartbeat = queue.startHeartbeat(this.#job, {
      capFromFirstReceive: this.#job.message.mode === "file",
    });
    this.#heartbeat = heartbeat;
    const unlisten = [
      whenAborted(heartbeat.leaseLost, () => this.interrupt("lease-lost")),
      whenAborted(heartbeat.leaseEnding, () => this.interrupt("lease-ending")),
    ];
    try {
      if (this.#options.isStopRequested?.(this.#jobId)) this.interrupt("stop");
      if (this.#job.message.mode === "live") await this.#settleLive(await this.#analyzeLive());
      else await this.#complete(await this.#analyze());
    } catch (error) {
      await this.#settleFailure(error);
    } finally {
      for (const stop of unlisten) stop();
      this.#options.levels?.end(this.#jobId);
      await heartbeat.stop();
    }
  }

  /**
   * Publishes Job Completed (after `before`, a live job's last Job Progress) and acks; the bus is flushed first so
   * a crash cannot lose the event.
   */
  async #complete(
    report: Report,
    reason: "end-of-source" | "stopped" = "end-of-source",
    before: readonly AvmonEvent[] = [],
  ): Promise<void> {
    const { bus, queue } = this.#options;
    await this.#settling(() =>
      bus.publish([...before, jobCompleted(this.#jobId, report, new Date(), reason)]),
    );
    await this.#settling(() => bus.flush());
    await this.#settling(() => queue.ack(this.#job));
    this.#logger.info(reason === "stopped" ? "job stopped on request" : "job completed", {
      defects: report.defects.length,
    });
  }

  async #analyzeLive(): Promise<LiveJobResult> {
    const signal = this.#controller.signal;
    signal.throwIfAborted();
    const detectors = this.#detectors();
    await this.#publish(
      jobStarted(this.#jobId, { attempt: this.#job.receiveCount, workerId: this.#options.workerId }),
    );
    return runLiveJob({
      message: this.#job.message,
      receiveCount: this.#job.receiveCount,
      detectors,
      signal,
      analyze: this.#options.analyzeLive ?? liveMediaAnalyzer(),
      settings: { ...DEFAULT_LIVE_SETTINGS, ...this.#options.live },
      publish: (event) => this.#publish(event),
      jobStore: this.#options.jobStore,
      streams: this.#options.liveStreams,
      levels: this.#options.levels,
      evidence: this.#evidenceKeeper(),
      logger: this.#logger,
    });
  }

  /**
   * A live job ends in one of five ways: its maximum duration (completed; failed as LIMIT_REACHED when that was
   * the worker's default rather than the job's own), a stop request (open defects cleared, completed as
   * stopped), a hand-off (shutdown, or the lease nearing the queue's visibility cap: a continuation message
   * carries it on, then this delivery is acked), or a halt or lost lease (nothing more is said).
   */
  async #settleLive(result: LiveJobResult): Promise<void> {
    const interruption = interruptionOf(this.#controller.signal);
    switch (interruption) {
      case undefined: {
        const limit = defaultMaxDurationReached(result);
        if (!limit) return this.#complete(result.report, "end-of-source", [result.progress]);
        // Its status keeps the final figures even though it fails.
        await this.#settling(() => this.#options.bus.publish([result.progress]));
        return this.#fail(limit);
      }
      case "stop": {
        const clears = clearOpenDefects(this.#jobId, result.summary);
        if (clears.length > 0) await this.#settling(() => this.#options.bus.publish(clears));
        return this.#complete(result.report, "stopped", [result.progress]);
      }
      case "shutdown":
      case "lease-ending":
        return this.#handOff(result, interruption);
      case "halt":
      case "lease-lost":
        this.#logger.warn("live job abandoned; the queue will deliver it again", { reason: interruption });
        return;
    }
  }

  /** A continuation is sent only while the lease is proven: sent after losing it, it would fork the stream. */
  async #handOff(result: LiveJobResult, reason: "shutdown" | "lease-ending"): Promise<void> {
    const { bus, queue } = this.#options;
    const next = continuationOf(this.#job.message, result);
    await this.#settling(() => bus.flush());
    if (this.#silenced || !this.#heartbeat?.held()) {
      this.#logger.warn(
        "live job not handed on: its lease is no longer held; the queue will deliver it again",
      );
      return;
    }
    await this.#settling(() => queue.send(next));
    await this.#settling(() => queue.ack(this.#job));
    this.#logger.info("live job handed to its next delivery", {
      reason,
      handOffs: next.continuation?.handOffs,
      openDefects: result.summary.resumeState.openDefects.length,
    });
  }

  async #analyze(): Promise<Report> {
    const signal = this.#controller.signal;
    signal.throwIfAborted();
    const alerts = await untilAborted(PublishedAlerts.load(this.#options.jobStore, this.#jobId), signal);
    await this.#publish(
      jobStarted(this.#jobId, { attempt: this.#job.receiveCount, workerId: this.#options.workerId }),
    );
    const levels = this.#options.levels;
    const evidence = this.#evidenceKeeper();
    return this.#options.analyze(this.#job.message, {
      detectors: this.#detectors(),
      signal,
      onDetectorEvent: (event) => this.#publishDefect(event, alerts),
      ...(levels && { onLevels: (point, duration) => levels.record(this.#jobId, point, duration) }),
      ...(evidence && { evidence }),
    });
  }

  #evidenceKeeper() {
    const store = this.#options.evidence;
    return store && jobEvidenceKeeper(store, this.#jobId, this.#logger);
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

  async #publishDefect(event: AnalysisEvent, alerts: PublishedAlerts): Promise<void> {
    if (event.kind === "close") this.#closed.push(event.defect);
    const published =
      event.kind === "open"
        ? defectDetected(this.#jobId, event.defect, new Date(), event.evidence)
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

  /**
   * Publishes during the analysis. Publishing stops the moment the worker is halted or the lease is lost (a
   * dead process says nothing more, and neither does a run whose job another worker may already hold), and an
   * interruption cuts a publish that hangs short at once, so a stuck bus never holds the decoder or a stop.
   */
  async #publish(event: AvmonEvent): Promise<void> {
    this.#throwIfSilenced();
    await untilAborted(this.#options.bus.publish([event]), this.#controller.signal);
  }

  /** A bus or queue call while settling: refused once silenced, given up SETTLE_MS after an interruption. */
  async #settling<T>(call: () => Promise<T>): Promise<T> {
    this.#throwIfSilenced();
    return untilAborted(call(), this.#settleBy.signal);
  }

  #throwIfSilenced(): void {
    // The heartbeat's own timer gives the lease up, but a busy event loop may run it late: the deadline is what
    // counts, so a run that finds it passed gives the lease up here, before it says anything more.
    if (!this.#silenced && this.#heartbeat && !this.#heartbeat.held()) this.interrupt("lease-lost");
    if (this.#silenced) throw this.#controller.signal.reason;
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

  async #settleInterruption(kind: InterruptionKind): Promise<void> {
    const { queue } = this.#options;
    switch (kind) {
      case "lease-ending":
        // A file job near the cap fails rather than being redelivered to start again from scratch.
        if (this.#job.message.mode === "file") return this.#fail(new LimitReachedError(this.#capMessage()));
        await this.#settling(() => queue.release(this.#job));
        this.#logger.info("live job released at the visibility cap; the next delivery resumes it");
        return;
      case "shutdown":
        await this.#settling(() => queue.release(this.#job));
        this.#logger.info("job released for another worker (shutdown)");
        return;
      case "stop":
        return this.#complete(this.#partialReport(), "stopped");
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
      await this.#settling(() => queue.release(this.#job, { delaySeconds }));
      this.#logger.warn("job failed, will retry", { error, code: failure.code, delaySeconds });
      return;
    }
    await this.#settling(() => this.#options.bus.publish([jobFailed(this.#jobId, failure)]));
    await this.#settling(() => this.#options.bus.flush());
    await this.#settling(() => queue.ack(this.#job));
    this.#logger.error("job failed", { error, code: failure.code, retryable: failure.retryable });
  }

  #capMessage(): string {
    const reason = this.#heartbeat?.leaseEnding.reason;
    const cap = reason instanceof Error ? reason.message : "the queue's visibility cap is reached";
    return `file job stopped at the queue's visibility cap (${cap}); it is failed rather than started again from scratch`;
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
