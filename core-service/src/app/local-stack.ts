import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MemoryEventBus } from "../adapters/memory/memory-event-bus.ts";
import { MemoryJobQueue, type MemoryJobQueueOptions } from "../adapters/memory/memory-job-queue.ts";
import { MemoryJobStore } from "../adapters/memory/memory-job-store.ts";
import type { AvmonConfig } from "../config.ts";
import type { Logger } from "../logging/logger.ts";
import { checkSourceUrl } from "../security/ssrf-guard.ts";
import { createHttpApp } from "../server/http-app.ts";
import { JobLevels } from "../server/job-levels.ts";
import { JobService } from "../server/job-service.ts";
import { Metrics } from "../server/metrics.ts";
import { type WebhookOptions, Webhooks } from "../server/webhooks.ts";
import { type Analyzer, mediaAnalyzer } from "../worker/analyzer.ts";
import type { LiveAnalyzer } from "../worker/live-analyzer.ts";
import type { LiveJobSettings } from "../worker/live-job.ts";
import { LiveStreams } from "../worker/live-streams.ts";
import { type ShutdownResult, Worker } from "../worker/worker.ts";
import { InstrumentedEventBus } from "./instrumented-event-bus.ts";

export interface LocalStackOptions {
  readonly config: AvmonConfig;
  readonly logger: Logger;
  /** Test seams: a short visibility timeout, fast webhook retries, a fake analyzer. */
  readonly queue?: MemoryJobQueueOptions;
  readonly webhooks?: Pick<WebhookOptions, "maxAttempts" | "baseDelayMs" | "timeoutMs">;
  readonly analyze?: Analyzer;
  readonly analyzeLive?: LiveAnalyzer;
  /** Live jobs' defaults (max duration, stall threshold, reconnect policy). */
  readonly live?: Partial<LiveJobSettings>;
}

/**
 * `avmon serve` in one process: the HTTP API, the worker, and the in-memory queue, bus and store behind the
 * same ports the AWS adapters implement. Built once, at start-up.
 */
export class LocalStack {
  readonly queue: MemoryJobQueue;
  readonly bus: InstrumentedEventBus;
  readonly store = new MemoryJobStore();
  readonly liveStreams = new LiveStreams();
  readonly levels = new JobLevels();
  readonly jobs: JobService;
  readonly webhooks: Webhooks;
  readonly metrics: Metrics;
  readonly worker: Worker;
  readonly #options: LocalStackOptions;
  readonly #streams = new Set<() => void>();
  #server: Server | undefined;

  constructor(options: LocalStackOptions) {
    const { config, logger } = options;
    this.#options = options;
    this.queue = new MemoryJobQueue({
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      maxReceiveCount: config.maxReceiveCount,
      logger,
      ...options.queue,
    });
    this.bus = new InstrumentedEventBus(new MemoryEventBus({ logger }));
    this.store.subscribeTo(this.bus);
    this.worker = this.createWorker();
    this.jobs = new JobService({
      queue: this.queue,
      bus: this.bus,
      store: this.store,
      allowLocalFiles: true,
      detectors: config.detectors,
      stopRunningJob: (jobId) => this.worker.stopJob(jobId),
      // Locally a stream on one's own LAN is a normal source; a shared local stack turns the guard on.
      ...(config.allowPrivateSources ? {} : { checkUrlSource: (url: string) => checkSourceUrl(url) }),
    });
    this.webhooks = new Webhooks({ bus: this.bus, logger, ...options.webhooks });
    this.metrics = new Metrics({
      bus: this.bus,
      queueCounts: () => this.queue.counts(),
      eventsPublished: () => this.bus.published,
      eventsFailed: () => this.bus.failed,
      webhookDeliveries: () => this.webhooks.counts,
      liveStreams: () => this.liveStreams.samples(),
    });
  }

  /** A worker on this stack's queue and bus; the stack runs one, tests add more to play a second process. */
  createWorker(): Worker {
    const { config, logger } = this.#options;
    return new Worker({
      queue: this.queue,
      bus: this.bus,
      analyze: this.#options.analyze ?? mediaAnalyzer({ allowLocalFiles: true }),
      jobStore: this.store,
      ...(this.#options.analyzeLive && { analyzeLive: this.#options.analyzeLive }),
      liveStreams: this.liveStreams,
      levels: this.levels,
      live: { leaseSeconds: config.visibilityTimeoutSeconds, ...this.#options.live },
      isStopRequested: (jobId) => this.jobs.isStopRequested(jobId),
      detectors: config.detectors,
      concurrency: config.concurrency,
      maxReceiveCount: config.maxReceiveCount,
      retryBaseSeconds: config.retryBaseSeconds,
      logger,
    });
  }

  /** Starts the worker and the HTTP server on loopback (local files are readable through it); returns its URL. */
  async start(port = this.#options.config.port): Promise<string> {
    const app = createHttpApp({
      jobs: this.jobs,
      bus: this.bus,
      webhooks: this.webhooks,
      metrics: this.metrics,
      maxBodyBytes: this.#options.config.maxBodyBytes,
      logger: this.#options.logger,
      trackStream: (close) => {
        this.#streams.add(close);
        return () => this.#streams.delete(close);
      },
      isHealthy: () => this.worker.state === "running",
      store: this.store,
      levels: this.levels,
      dataDir: this.#options.config.dataDir,
    });
    const server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(port, "127.0.0.1", (error?: Error) =>
        error ? reject(error) : resolve(listening),
      );
    });
    this.#server = server;
    this.worker.start();
    const { port: bound } = server.address() as AddressInfo;
    return `http://127.0.0.1:${bound}`;
  }

  /** Stops taking requests and jobs, lets running jobs finish or releases them at the deadline, then closes. */
  async stop(deadlineMs: number): Promise<ShutdownResult> {
    const closing = this.#closeServer();
    const result = await this.worker.stop(deadlineMs);
    await this.bus.flush();
    for (const close of [...this.#streams]) close();
    this.webhooks.close();
    this.metrics.close();
    this.levels.close();
    this.#server?.closeAllConnections();
    await closing;
    return result;
  }

  #closeServer(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
