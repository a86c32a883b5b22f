import { randomUUID } from "node:crypto";
import { AvmonError } from "../../core-service/src/domain/errors.ts";
import { jobAccepted } from "../../core-service/src/domain/events.ts";
import type { JobRequest, QueueMessage } from "../../core-service/src/domain/job.ts";
import type { EventBus } from "../../core-service/src/ports/event-bus.ts";
import type { GroupQueue } from "../shared/env.ts";
import { detectorsOf, fanOut, groupsOf } from "../shared/fan-out.ts";
import { type IdempotencyStore, requestHash } from "../shared/idempotency.ts";

/** Sends one queue message (the SqsJobQueue of the group that owns `queueUrl`). */
export type SendToQueue = (queueUrl: string, message: QueueMessage) => Promise<void>;

export interface AcceptJobDeps {
  readonly groups: readonly GroupQueue[];
  readonly send: SendToQueue;
  readonly bus: EventBus;
  readonly idempotency: IdempotencyStore;
  readonly checkSource: (request: Pick<JobRequest, "source" | "mode">) => Promise<void>;
  readonly newJobId?: () => string;
}

export type AcceptOutcome =
  | { readonly kind: "accepted"; readonly jobId: string }
  | { readonly kind: "replayed"; readonly jobId: string }
  | { readonly kind: "rejected"; readonly message: string }
  | { readonly kind: "key-reused" };

/**
 * The one way a job enters avmon (API and S3 alike): check the source, honour the idempotency key, fan the
 * job out to every detector group's queue, then announce `Job Accepted`.
 */
export async function acceptJob(
  request: JobRequest,
  idempotencyKey: string | undefined,
  deps: AcceptJobDeps,
): Promise<AcceptOutcome> {
  try {
    await deps.checkSource(request);
  } catch (error) {
    if (error instanceof AvmonError) return { kind: "rejected", message: error.message };
    throw error;
  }
  const jobId = (deps.newJobId ?? randomUUID)();
  const dispatches = fanOut(jobId, request, deps.groups);
  if (dispatches.length === 0) {
    return {
      kind: "rejected",
      message: "detectors: no deployed detector group runs the requested detectors",
    };
  }
  if (idempotencyKey !== undefined) {
    const claim = await deps.idempotency.claim(idempotencyKey, requestHash(request), jobId);
    if (claim.kind === "repeat") return { kind: "replayed", jobId: claim.jobId };
    if (claim.kind === "conflict") return { kind: "key-reused" };
  }
  try {
    await Promise.all(dispatches.map((d) => deps.send(d.queueUrl, d.message)));
  } catch (error) {
    if (idempotencyKey !== undefined) await deps.idempotency.release(idempotencyKey);
    throw error;
  }
  const { source, mode } = request;
  await deps.bus.publish([
    jobAccepted(jobId, {
      source,
      mode,
      detectors: detectorsOf(dispatches),
      labels: request.labels ?? {},
      groups: groupsOf(dispatches),
    }),
  ]);
  await deps.bus.flush();
  return { kind: "accepted", jobId };
}
