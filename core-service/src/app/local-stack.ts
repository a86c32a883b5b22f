import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DirectoryParkingLot } from "../adapters/local/directory-parking-lot.ts";
import { FileClaimStore } from "../adapters/local/file-claim-store.ts";
import { FolderEvidenceStore } from "../adapters/local/folder-evidence-store.ts";
import { MemoryEventBus } from "../adapters/memory/memory-event-bus.ts";
import { MemoryIdempotency } from "../adapters/memory/memory-idempotency.ts";
import { MemoryJobQueue, type MemoryJobQueueOptions } from "../adapters/memory/memory-job-queue.ts";
import { MemoryJobStore } from "../adapters/memory/memory-job-store.ts";
import { MemoryStopRequests } from "../adapters/memory/memory-stop-requests.ts";
import type { AvmonConfig } from "../config.ts";
import { Intake } from "../intake/intake.ts";
import { localSourceCheck } from "../intake/local-source-check.ts";
import type { Logger } from "../logging/logger.ts";
import type { FfmpegSupportProvider } from "../media/source-support.ts";
import { GuardedProxy } from "../security/guarded-proxy.ts";
import type { Connector } from "../security/pinned-target.ts";
import { checkSourceUrl, type Resolver, type SsrfGuardOptions } from "../security/ssrf-guard.ts";
import type { EventStreamOptions } from "../server/event-stream.ts";
import { createHttpApp } from "../server/http-app.ts";
import { JobLevels } from "../server/job-levels.ts";
import { Metrics } from "../server/metrics.ts";
import { type WebhookOptions, Webhooks } from "../server/webhooks.ts";
import { type Analyzer, type MediaAnalyzerOptions, mediaAnalyzer } from "../worker/analyzer.ts";
import { ClaimCheckEventBus } from "../worker/claim-check-bus.ts";
import { type LiveAnalyzer, liveMediaAnalyzer } from "../worker/live-analyzer.ts";
import type { LiveJobSettings } from "../worker/live-job.ts";
import { LiveStreams } from "../worker/live-streams.ts";
import { localSourceGate } from "../worker/local-source-gate.ts";
import { sourceGate } from "../worker/source-gate.ts";
import { type ShutdownResult, Worker } from "../worker/worker.ts";
import { InstrumentedEventBus } from "./instrumented-event-bus.ts";
import { localGuard } from "./local-guard.ts";

export interface LocalStackOptions {
  readonly config: AvmonConfig;
  readonly logger: Logger;
  /** Test seams: a short visibility timeout, fast webhook retries, a small SSE buffer, a fake analyzer. */
  readonly queue?: MemoryJobQueueOptions;
  readonly webhooks?: Pick<
    WebhookOptions,
    "maxAttempts" | "baseDelayMs" | "maxDelayMs" | "timeoutMs" | "maxPending"
  >;
  readonly eventStream?: Pick<EventStreamOptions, "maxBufferedBytes" | "lagGraceMs">;
  readonly analyze?: Analyzer;
  readonly analyzeLive?: LiveAnalyzer;
  /** Live jobs' defaults (max duration, stall threshold, reconnect policy). */
  readonly live?: Partial<LiveJobSettings>;
  /**
   * Test seams of the SSRF guard, used when it is on: the resolver it asks, and the connector that dials the
   * addresses it chose (the guarded proxy's and webhook delivery's).
   */
  readonly guard?: { readonly resolve?: Resolver; readonly connect?: Connector };
  /** Whose ffmpeg decides at submission which sources are readable; default the one this process runs. */
  readonly ffmpegSupport?: FfmpegSupportProvider;
}

/** How long shutdown lets subscribers take the last events before their streams and outboxes close. */
const SUBSCRIBER_GRACE_MS = 2000;

/**
 * `avmon serve` in one process: the HTTP API, the worker, and the in-memory queue, bus and store behind the
 * same ports the AWS adapters implement. Built once, at start-up. Under the data folder it keeps what must
 * outlive a restart or a subscriber: webhook subscriptions and their outboxes (`webhooks/`), deliveries given
 * up on (`undeliverable/`, for `avmon replay-events`) and reports too large for their event (`claims/`).
 */
export class LocalStack {
  readonly queue: MemoryJobQueue;
  readonly bus: InstrumentedEventBus;
  readonly claims: FileClaimStore;
  readonly parking: DirectoryParkingLot;
  readonly store = new MemoryJobStore();
  readonly liveStreams = new LiveStreams();
  readonly levels = new JobLevels();
  readonly intake: Intake;
  readonly stopRequests: MemoryStopRequests;
  readonly webhooks: Webhooks;
  readonly metrics: Metrics;
  readonly worker: Worker;
  readonly #options: LocalStackOptions;
  readonly #memoryBus: MemoryEventBus;
  /** The SSRF guard's options when it is on (`AVMON_ALLOW_PRIVATE_SOURCES=false`), else undefined. */
  readonly #guard: SsrfGuardOptions | undefined;
  /** ffmpeg's HTTP(S) requests go through it when the guard is on, as on AWS. */
  readonly #proxy: GuardedProxy | undefined;
  readonly #streams = new Set<() => void>();
  #laggedStreams = 0;
  #server: Server | undefined;

  constructor(options: LocalStackOptions) {
    const { config, logger } = options;
    this.#options = options;
    this.#guard = localGuard(config, options.guard?.resolve);
    this.#proxy =
      this.#guard &&
      new GuardedProxy({
        guard: this.#guard,
        connect: options.guard?.connect,
        logger: logger.child({ component: "guarded-proxy" }),
      });
    this.queue = new MemoryJobQueue({
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      maxReceiveCount: config.maxReceiveCount,
      logger,
      ...options.queue,
    });
    this.#memoryBus = new MemoryEventBus({ logger });
    this.bus = new InstrumentedEventBus(this.#memoryBus);
    this.claims = new FileClaimStore(join(config.dataDir, "claims"));
    this.parking = new DirectoryParkingLot(join(config.dataDir, "undeliverable"));
    this.store.subscribeTo(this.bus, this.claims);
    this.worker = this.createWorker();
    this.stopRequests = new MemoryStopRequests((jobId) => this.worker.stopJob(jobId));
    this.intake = new Intake({
      targets: [{ detectors: config.detectors, queue: this.queue }],
      bus: this.bus,
      jobs: this.store,
      stops: this.stopRequests,
      idempotency: new MemoryIdempotency(),
      checkSource: localSourceCheck({
        roots: config.localRoots,
        support: options.ffmpegSupport,
        // Locally a stream on one's own LAN is a normal source; a shared local stack turns the guard on.
        ...(this.#guard && { checkUrl: (url: string) => checkSourceUrl(url, this.#guard) }),
      }),
    });
    this.webhooks = new Webhooks({
      bus: this.bus,
      logger,
      dir: join(config.dataDir, "webhooks"),
      parking: this.parking,
      guard: this.#guard,
      connect: this.#guard && options.guard?.connect,
      ...options.webhooks,
    });
    this.metrics = new Metrics({
      bus: this.bus,
      queueCounts: () => this.queue.counts(),
      eventsPublished: () => this.bus.published,
      eventsFailed: () => this.bus.failed,
      webhookDeliveries: () => this.webhooks.counts,
      deliveriesDropped: () => this.#memoryBus.droppedDeliveries,
      eventStreamsLagged: () => this.#laggedStreams,
      liveStreams: () => this.liveStreams.samples(),
    });
  }

  /** A worker on this stack's queue and bus; the stack runs one, tests add more to play a second process. */
  createWorker(): Worker {
    const { config, logger } = this.#options;
    const fetching = this.#guardedFetching();
    return new Worker({
      queue: this.queue,
      // The same claim check as on AWS, so subscribers see one event shape (the report lands in the data folder).
      bus: new ClaimCheckEventBus(this.bus, this.claims),
      analyze:
        this.#options.analyze ??
        mediaAnalyzer({ allowLocalFiles: true, ...fetching, limits: config.analysisLimits }),
      analyzeLive:
        this.#options.analyzeLive ?? liveMediaAnalyzer({ ...fetching, limits: config.analysisLimits }),
      jobStore: this.store,
      liveStreams: this.liveStreams,
      levels: this.levels,
      // Where GET /v1/jobs/{jobId}/evidence/{alertId} serves them from (server/operator-routes.ts).
      evidence: new FolderEvidenceStore(config.dataDir),
      live: {
        leaseSeconds: config.visibilityTimeoutSeconds,
        maxDurationSeconds: config.liveMaxDurationSeconds,
        profile: config.liveProfile,
        // Events cost nothing here, so the job status follows a live stream closely (on AWS: every 60 s).
        progressIntervalSeconds: 5,
        ...this.#options.live,
      },
      isStopRequested: (jobId) => this.stopRequests.isRequested(jobId),
      detectors: config.detectors,
      concurrency: config.concurrency,
      maxLiveStreams: config.maxLiveStreams,
      maxReceiveCount: config.maxReceiveCount,
      retryBaseSeconds: config.retryBaseSeconds,
      logger,
    });
  }

  /**
   * Local files are checked against the roots again right before they are opened. With the guard on, the source is checked again when a job starts and every request ffmpeg makes after it
   * (redirects, variant playlists, segments, keys) passes the guarded proxy, as on AWS (app/aws-worker.ts).
   */
  #guardedFetching(): Pick<MediaAnalyzerOptions, "prepareSource" | "httpProxy"> {
    const roots = localSourceGate(this.#options.config.localRoots);
    const proxy = this.#proxy;
    if (!proxy) return { prepareSource: roots };
    const guard = sourceGate({ ssrf: this.#guard });
    return {
      prepareSource: async (source, signal) => guard(await roots(source, signal), signal),
      httpProxy: () => proxy.url(),
    };
  }

  /** Starts the worker and the HTTP server on loopback (local files are readable through it); returns its URL. */
  async start(port = this.#options.config.port): Promise<string> {
    await this.webhooks.restore();
    const app = createHttpApp({
      intake: this.intake,
      jobs: this.store,
      bus: this.bus,
      webhooks: this.webhooks,
      metrics: this.metrics,
      maxBodyBytes: this.#options.config.maxBodyBytes,
      logger: this.#options.logger,
      trackStream: (close) => {
        this.#streams.add(close);
        return () => this.#streams.delete(close);
      },
      eventStream: {
        ...this.#options.eventStream,
        onLagged: () => {
          this.#laggedStreams++;
        },
      },
      isHealthy: () => this.worker.state === "running",
      allowedHosts: this.#options.config.allowedHosts,
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
    const grace = sleep(Math.min(deadlineMs, SUBSCRIBER_GRACE_MS), undefined, { ref: false });
    await Promise.race([this.#memoryBus.idle(), grace]);
    for (const close of [...this.#streams]) close();
    await this.webhooks.close();
    this.metrics.close();
    this.levels.close();
    await this.#proxy?.close();
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
