import type { StopOutcome, SubmitOutcome } from "./intake.ts";

/** A status, JSON body and headers: what both front doors (express, API Gateway) send for an outcome. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** Every refusal has this shape: `error` for people, `field` naming the input that is wrong. */
export function refusal(status: number, error: string, field?: string, headers = {}): HttpAnswer {
  return { status, body: { error, ...(field && { field }) }, headers };
}

export const INTERNAL_ERROR = "internal error; a retry with the same Idempotency-Key is safe";

export const malformedJsonMessage = (detail: string) => `body: malformed JSON (${detail})`;

/**
 * `POST /v1/jobs`. A duplicate that arrives while the first request with its key is still being queued gets
 * 409 with `Retry-After`, as the IETF Idempotency-Key draft asks, rather than waiting: holding a request open
 * on a Lambda costs its concurrency, and the retry is cheap and gets the job id once the first has succeeded.
 */
export function submitAnswer(outcome: SubmitOutcome): HttpAnswer {
  switch (outcome.kind) {
    case "accepted":
      return {
        status: 202,
        body: { jobId: outcome.jobId, status: "queued" },
        headers: {
          location: `/v1/jobs/${outcome.jobId}`,
          ...(outcome.replayed && { "idempotent-replayed": "true" }),
        },
      };
    case "invalid":
      return refusal(400, outcome.message, outcome.field);
    case "in-progress":
      return refusal(
        409,
        "Idempotency-Key: a request with this key is still being processed; retry in a moment",
        "Idempotency-Key",
        { "retry-after": "1" },
      );
    case "key-reused":
      return refusal(
        422,
        `Idempotency-Key: "${outcome.key}" was already used with a different request; use a new key for a new job`,
        "Idempotency-Key",
      );
  }
}

/** `DELETE /v1/jobs/{jobId}`: idempotent, so stopping a job that has already ended answers its final status. */
export function stopAnswer(outcome: StopOutcome): HttpAnswer {
  switch (outcome.kind) {
    case "not-found":
      return refusal(404, `job ${outcome.jobId} not found`, "jobId");
    case "ended":
      return { status: 200, body: { jobId: outcome.jobId, status: outcome.status }, headers: {} };
    case "stopping":
      return { status: 202, body: { jobId: outcome.jobId, status: "stopping" }, headers: {} };
  }
}
