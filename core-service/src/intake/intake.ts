import { randomUUID } from "node:crypto";
import { parseThresholds } from "../detectors/registry.ts";
import { AvmonError } from "../domain/errors.ts";
import { jobAccepted } from "../domain/events.ts";
import { isTerminal, JobRequest, type JobStatus } from "../domain/job.ts";
import { firstIssue } from "../domain/validation-issue.ts";
import type { EventBus } from "../ports/event-bus.ts";
import type { Idempotency } from "../ports/idempotency.ts";
import type { JobStore } from "../ports/job-store.ts";
import type { StopRequests } from "../ports/stop-requests.ts";
import { acceptedDetail, type Dispatch, fanOut, type IntakeTarget } from "./fan-out.ts";
import { requestFingerprint } from "./fingerprint.ts";

/**
 * The deployment's rules for where media may come from (local roots and the SSRF guard locally; the ingest
 * bucket and the SSRF guard on AWS). Throws an AvmonError saying why a source is refused.
 */
export type SourceCheck = (source: string, options: { readonly live: boolean }) => Promise<void>;

export interface IntakeDeps {
  readonly targets: readonly IntakeTarget[];
  readonly bus: EventBus;
  readonly jobs: JobStore;
  readonly stops: StopRequests;
  readonly idempotency: Idempotency;
  readonly checkSource: SourceCheck;
  readonly newJobId?: () => string;
}

export type SubmitOutcome =
  | { readonly kind: "accepted"; readonly jobId: string; readonly replayed: boolean }
  | { readonly kind: "invalid"; readonly field: string; readonly message: string }
  | { readonly kind: "in-progress" }
  | { readonly kind: "key-reused"; readonly key: string };

export type StopOutcome =
  | { readonly kind: "not-found"; readonly jobId: string }
  | { readonly kind: "ended"; readonly jobId: string; readonly status: JobStatus }
  | { readonly kind: "stopping"; readonly jobId: string };

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * How a job enters avmon and how it is stopped, the same behind express and behind API Gateway: validate,
 * honour the Idempotency-Key, queue, then announce `Job Accepted`.
 *
 * Queue first, announce second: an announced job is always one a worker will run (a failed enqueue announces
 * nothing and answers no job id). A worker may then report `Job Started` before `Job Accepted` is out; that is
 * harmless, because the job projection is order-independent (it keeps the furthest status and fills in
 * source, mode and groups when Job Accepted arrives), and the client learns the job id only after both.
 */
export class Intake {
  readonly #deps: IntakeDeps;

  constructor(deps: IntakeDeps) {
    this.#deps = deps;
  }

  async submit(body: unknown, idempotencyKey: string | undefined): Promise<SubmitOutcome> {
    const checked = await this.#validate(body, idempotencyKey);
    if (checked.kind === "invalid") return checked;
    const { request } = checked;
    const jobId = (this.#deps.newJobId ?? randomUUID)();
    const dispatches = fanOut(jobId, request, this.#deps.targets);
    if (dispatches.length === 0) {
      return invalid("detectors", "detectors: no deployed detector group runs the requested detectors");
    }
    if (idempotencyKey === undefined) {
      await this.#enqueue(jobId, dispatches);
      await this.#announce(jobId, request, dispatches);
      return { kind: "accepted", jobId, replayed: false };
    }
    const run = await this.#deps.idempotency.run(idempotencyKey, requestFingerprint(request), async () => {
      await this.#enqueue(jobId, dispatches);
      return jobId;
    });
    if (run.kind === "in-progress") return run;
    if (run.kind === "key-reused") return { kind: "key-reused", key: idempotencyKey };
    const replayed = run.result !== jobId;
    // Announced on every accepted answer, replays too (the projection folds repeats into one): a 2xx then always
    // means the job was queued and announced, even when the first answer failed between the two.
    const announced = replayed ? fanOut(run.result, request, this.#deps.targets) : dispatches;
    await this.#announce(run.result, request, announced);
    return { kind: "accepted", jobId: run.result, replayed };
  }

  /** Asks a job to stop. Stopping a job that has already ended changes nothing and is not an error. */
  async stop(jobId: string): Promise<StopOutcome> {
    const view = await this.#deps.jobs.get(jobId);
    if (!view) return { kind: "not-found", jobId };
    if (isTerminal(view.status)) return { kind: "ended", jobId, status: view.status };
    await this.#deps.stops.request(jobId, new Date());
    return { kind: "stopping", jobId };
  }

  async #validate(
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<{ kind: "valid"; request: JobRequest } | Extract<SubmitOutcome, { kind: "invalid" }>> {
    if (
      idempotencyKey !== undefined &&
      (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    ) {
      return invalid(
        "Idempotency-Key",
        `Idempotency-Key: must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      );
    }
    if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
      return invalid("body", "body: expected a JSON object (Content-Type: application/json)");
    }
    const parsed = JobRequest.safeParse(body);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      return invalid(field, message);
    }
    const request = parsed.data;
    try {
      parseThresholds(request.thresholds);
    } catch (error) {
      if (!(error instanceof AvmonError)) throw error;
      return invalid("thresholds", error.message);
    }
    try {
      await this.#deps.checkSource(request.source, { live: request.mode === "live" });
    } catch (error) {
      if (!(error instanceof AvmonError)) throw error;
      return invalid(
        "source",
        error.message.startsWith("source") ? error.message : `source: ${error.message}`,
      );
    }
    return { kind: "valid", request };
  }

  async #enqueue(jobId: string, dispatches: readonly Dispatch[]): Promise<void> {
    const sent = await Promise.allSettled(dispatches.map((d) => d.target.queue.send(d.message)));
    const failure = sent.find((s) => s.status === "rejected");
    if (!failure) return;
    // SQS cannot take back the groups' messages that did go out: a stop request makes their workers end the
    // job at once, so nothing runs that was never announced. The client's retry makes a fresh job.
    if (sent.some((s) => s.status === "fulfilled")) {
      await this.#deps.stops.request(jobId, new Date());
    }
    throw failure.reason;
  }

  async #announce(jobId: string, request: JobRequest, dispatches: readonly Dispatch[]): Promise<void> {
    await this.#deps.bus.publish([jobAccepted(jobId, acceptedDetail(request, dispatches))]);
  }
}

const invalid = (field: string, message: string) => ({ kind: "invalid", field, message }) as const;
