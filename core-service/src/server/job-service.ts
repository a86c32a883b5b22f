import { randomUUID } from "node:crypto";
import { ALL_DETECTORS, parseThresholds } from "../detectors/registry.ts";
import type { DetectorName } from "../domain/defect.ts";
import { AvmonError } from "../domain/errors.ts";
import { jobAccepted } from "../domain/events.ts";
import { JobRequest, type QueueMessage } from "../domain/job.ts";
import { type FfmpegSupportProvider, resolveSupportedSource } from "../media/source-support.ts";
import type { EventBus } from "../ports/event-bus.ts";
import type { JobQueue } from "../ports/job-queue.ts";
import type { JobStore, JobView } from "../ports/job-store.ts";
import { HttpError, validationError } from "./http-errors.ts";
import { IdempotencyKeys } from "./idempotency.ts";

export interface JobServiceOptions {
  readonly queue: JobQueue;
  readonly bus: EventBus;
  readonly store: JobStore;
  /** Local paths are sources on one's own machine; a shared service must refuse them. */
  readonly allowLocalFiles: boolean;
  /** Stops a running job at once; false when no local worker runs it. */
  readonly stopRunningJob: (jobId: string) => boolean;
  readonly detectors?: readonly DetectorName[];
  /**
   * Refuses network sources avmon must not fetch (the SSRF guard), when the stack is shared; throws an
   * AvmonError saying why. Absent: any URL is accepted, LAN and loopback included.
   */
  readonly checkUrlSource?: (url: string) => Promise<unknown>;
  /** Whose ffmpeg decides which sources are readable; default the one this process runs. */
  readonly ffmpegSupport?: FfmpegSupportProvider;
}

const URL_SOURCE = /^[a-z][a-z0-9+.-]+:\/\//i;

const TERMINAL = new Set(["completed", "failed", "stopped"]);

/** Submitting, reading and stopping jobs: what the HTTP routes call, free of HTTP itself. */
export class JobService {
  readonly #options: JobServiceOptions;
  readonly #idempotency = new IdempotencyKeys();
  readonly #stopRequests = new Set<string>();

  constructor(options: JobServiceOptions) {
    this.#options = options;
  }

  /** Validates, announces (Job Accepted) and queues a job; throws a 400 naming the field, queueing nothing. */
  async submit(body: unknown, idempotencyKey?: string): Promise<string> {
    const request = await parseRequest(body, this.#options);
    await this.#checkUrlSource(request.source);
    return this.#idempotency.once(idempotencyKey, body, () => this.#enqueue(request));
  }

  get(jobId: string): Promise<JobView | undefined> {
    return this.#options.store.get(jobId);
  }

  /** Asks a job to stop; a queued one ends as soon as a worker takes it. */
  async stop(jobId: string): Promise<JobView> {
    const view = await this.get(jobId);
    if (!view) throw new HttpError(404, `job ${jobId} not found`, "jobId");
    if (TERMINAL.has(view.status))
      throw new HttpError(409, `job ${jobId} has already ended (${view.status})`);
    this.#stopRequests.add(jobId);
    this.#options.stopRunningJob(jobId);
    return view;
  }

  async #checkUrlSource(source: string): Promise<void> {
    const check = this.#options.checkUrlSource;
    if (!check || !URL_SOURCE.test(source.trim())) return;
    try {
      await check(source.trim());
    } catch (error) {
      if (!(error instanceof AvmonError)) throw error;
      throw new HttpError(400, `source: ${error.message}`, "source");
    }
  }

  isStopRequested = (jobId: string): boolean => this.#stopRequests.has(jobId);

  async #enqueue(request: JobRequest): Promise<string> {
    const jobId = randomUUID();
    const message: QueueMessage = {
      version: 1,
      jobId,
      source: request.source,
      mode: request.mode,
      detectors: request.detectors ?? [...(this.#options.detectors ?? ALL_DETECTORS)],
      thresholds: request.thresholds ?? {},
      labels: request.labels ?? {},
      ...(request.live && { live: request.live }),
    };
    // Accepted first, so the job is known (queued) before a worker can report it started.
    await this.#options.bus.publish([jobAccepted(jobId, message)]);
    await this.#options.queue.send(message);
    return jobId;
  }
}

async function parseRequest(body: unknown, options: JobServiceOptions): Promise<JobRequest> {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "body: expected a JSON object (Content-Type: application/json)", "body");
  }
  const parsed = JobRequest.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  try {
    parseThresholds(parsed.data.thresholds);
    await resolveSupportedSource(parsed.data.source, {
      allowLocalFiles: options.allowLocalFiles,
      live: parsed.data.mode === "live",
      support: options.ffmpegSupport,
    });
  } catch (error) {
    if (!(error instanceof AvmonError)) throw error;
    const field = error.message.startsWith("thresholds") ? "thresholds" : "source";
    const message = error.message.startsWith(field) ? error.message : `${field}: ${error.message}`;
    throw new HttpError(400, message, field);
  }
  return parsed.data;
}
