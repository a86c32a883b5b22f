import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { Defect, DetectorName, defectKind } from "./defect.ts";
import { Evidence } from "./evidence.ts";
import { JobMode, LiveUsage } from "./job.ts";
import { Report } from "./report.ts";

/**
 * The events avmon publishes, in EventBridge's envelope so that the local bus and the AWS bus carry the same
 * JSON and subscribers write one pattern for both. Every `detail` carries a `version` so its shape can evolve
 * without breaking subscribers that pin one.
 */
export const EVENT_SOURCE = "avmon";
export const DETAIL_VERSION = 1;

export const DETAIL_TYPES = [
  "Job Accepted",
  "Job Started",
  "Defect Detected",
  "Defect Cleared",
  "Job Completed",
  "Job Failed",
  "Job Progress",
] as const;
export const DetailType = z.enum(DETAIL_TYPES);
export type DetailType = z.infer<typeof DetailType>;

const IsoTime = z.iso.datetime({ offset: true });

const detailBase = {
  version: z.literal(DETAIL_VERSION),
  jobId: z.string().min(1),
  occurredAt: IsoTime,
};

/** The detector group whose worker published a lifecycle event; absent when one worker runs every detector. */
const group = z.string().min(1).optional();

export const JobAcceptedDetail = z.object({
  ...detailBase,
  source: z.string().min(1),
  mode: JobMode,
  detectors: z.array(DetectorName),
  labels: z.record(z.string(), z.string()),
  /** The detector groups the job was fanned out to; it completes when each has sent its Job Completed. */
  groups: z.array(z.string().min(1)).min(1).optional(),
});
export type JobAcceptedDetail = z.infer<typeof JobAcceptedDetail>;

export const JobStartedDetail = z.object({
  ...detailBase,
  workerId: z.string().optional(),
  group,
  attempt: z.int().min(1),
});
export type JobStartedDetail = z.infer<typeof JobStartedDetail>;

export const DefectDetectedDetail = z.object({
  ...detailBase,
  alertId: z.string().min(1),
  defect: Defect,
  /** A picture (or sound strip) of the defect at its onset, when the worker produces evidence. */
  evidence: Evidence.optional(),
});
export type DefectDetectedDetail = z.infer<typeof DefectDetectedDetail>;

export const DefectClearedDetail = z.object({
  ...detailBase,
  alertId: z.string().min(1),
  defect: Defect.extend({ end: z.number() }),
});
export type DefectClearedDetail = z.infer<typeof DefectClearedDetail>;

/** `stopped`: the job ended on request (a live job deleted) rather than at the end of its source. */
export const CompletionReason = z.enum(["end-of-source", "stopped"]);
export type CompletionReason = z.infer<typeof CompletionReason>;

/**
 * A claim check: where a value too large to travel in its event is kept, and how to know it is the right one.
 * `uri` is `s3://<bucket>/<key>` on AWS and `file:///<path>` in the local stack; `bytes` and `sha256` are those
 * of the stored UTF-8 JSON, so a reader can refuse a truncated or replaced object.
 */
export const DetailRef = z.object({
  uri: z.string().regex(/^(s3|file):\/\/\S+$/, "expected an s3:// or file:// URI"),
  bytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a hex SHA-256"),
});
export type DetailRef = z.infer<typeof DetailRef>;

const jobCompletedBase = { ...detailBase, reason: CompletionReason.optional(), group };

/** The report travels in the event... */
export const InlineJobCompletedDetail = z.object({ ...jobCompletedBase, summary: Report });
export type InlineJobCompletedDetail = z.infer<typeof InlineJobCompletedDetail>;

/** ...or, when the event would pass MAX_INLINE_DETAIL_BYTES (a long file, many defects), only its reference. */
export const ClaimCheckedJobCompletedDetail = z.object({ ...jobCompletedBase, summaryRef: DetailRef });
export type ClaimCheckedJobCompletedDetail = z.infer<typeof ClaimCheckedJobCompletedDetail>;

export const JobCompletedDetail = z.union([InlineJobCompletedDetail, ClaimCheckedJobCompletedDetail]);
export type JobCompletedDetail = z.infer<typeof JobCompletedDetail>;

/**
 * Largest `detail` (UTF-8 JSON) an event carries inline. EventBridge takes entries up to 256 KB and an SQS
 * message (a rule's buffer queue) up to 256 KiB including the envelope; 240 KiB leaves room for both.
 */
export const MAX_INLINE_DETAIL_BYTES = 240 * 1024;

export const JobFailedDetail = z.object({
  ...detailBase,
  group,
  error: z.object({ code: z.string().min(1), message: z.string(), retryable: z.boolean() }),
});
export type JobFailedDetail = z.infer<typeof JobFailedDetail>;

/**
 * How a running live job is doing: its stream time and usage (profile, escalations, CPU), sent every little while
 * and the moment it escalates or returns to economy, so the job status follows the stream. Its figures are the
 * job's totals so far; the latest `occurredAt` wins.
 */
export const JobProgressDetail = z.object({
  ...detailBase,
  group,
  /** Stream time reached, seconds on the stream's timeline. */
  streamTime: z.number().min(0).optional(),
  live: LiveUsage,
});
export type JobProgressDetail = z.infer<typeof JobProgressDetail>;

function envelope<T extends DetailType, D extends z.ZodType>(detailType: T, detail: D) {
  return z.object({
    version: z.literal("0"),
    id: z.string().min(1),
    source: z.literal(EVENT_SOURCE),
    "detail-type": z.literal(detailType),
    time: IsoTime,
    region: z.string(),
    account: z.string(),
    resources: z.array(z.string()),
    detail,
  });
}

export const JobAcceptedEvent = envelope("Job Accepted", JobAcceptedDetail);
export const JobStartedEvent = envelope("Job Started", JobStartedDetail);
export const DefectDetectedEvent = envelope("Defect Detected", DefectDetectedDetail);
export const DefectClearedEvent = envelope("Defect Cleared", DefectClearedDetail);
export const JobCompletedEvent = envelope("Job Completed", JobCompletedDetail);
export const JobFailedEvent = envelope("Job Failed", JobFailedDetail);
export const JobProgressEvent = envelope("Job Progress", JobProgressDetail);
export type JobAcceptedEvent = z.infer<typeof JobAcceptedEvent>;
export type JobStartedEvent = z.infer<typeof JobStartedEvent>;
export type DefectDetectedEvent = z.infer<typeof DefectDetectedEvent>;
export type DefectClearedEvent = z.infer<typeof DefectClearedEvent>;
export type JobCompletedEvent = z.infer<typeof JobCompletedEvent>;
export type JobFailedEvent = z.infer<typeof JobFailedEvent>;
export type JobProgressEvent = z.infer<typeof JobProgressEvent>;

/** One schema per detail-type: what `schemas/*.json` are generated from. */
export const EVENT_SCHEMAS = {
  "Job Accepted": JobAcceptedEvent,
  "Job Started": JobStartedEvent,
  "Defect Detected": DefectDetectedEvent,
  "Defect Cleared": DefectClearedEvent,
  "Job Completed": JobCompletedEvent,
  "Job Failed": JobFailedEvent,
  "Job Progress": JobProgressEvent,
} as const satisfies Record<DetailType, z.ZodType>;

export const AvmonEvent = z.discriminatedUnion("detail-type", [
  JobAcceptedEvent,
  JobStartedEvent,
  DefectDetectedEvent,
  DefectClearedEvent,
  JobCompletedEvent,
  JobFailedEvent,
  JobProgressEvent,
]);
export type AvmonEvent = z.infer<typeof AvmonEvent>;
export type AvmonEventOf<T extends DetailType> = Extract<AvmonEvent, { "detail-type": T }>;

export type InlineJobCompletedEvent = Omit<JobCompletedEvent, "detail"> & {
  detail: InlineJobCompletedDetail;
};
/**
 * A Job Completed whose claim check has been followed: the report back in place and, when it was claim-checked,
 * the reference it was read from (the job view keeps it, since it does not keep a report that large whole).
 */
export type ResolvedJobCompletedEvent = Omit<JobCompletedEvent, "detail"> & {
  detail: InlineJobCompletedDetail & { summaryRef?: DetailRef };
};
/** An event whose claim check, if it had one, has been followed: what projections fold. */
export type ResolvedAvmonEvent = Exclude<AvmonEvent, JobCompletedEvent> | ResolvedJobCompletedEvent;

/**
 * The same defect always gets the same id, whichever worker publishes it and however often: subscribers
 * de-duplicate on it and pair a Defect Cleared with its Defect Detected. Onset is rounded to the millisecond so
 * float noise in `start` cannot split one defect into two alerts; the kind keeps two defects of one type that
 * start together (a loud burst and its true-peak over) apart, and the track silences that start together on two
 * audio tracks.
 */
export function alertId(
  jobId: string,
  defect: Pick<Defect, "type" | "start"> & Partial<Pick<Defect, "metrics" | "track">>,
): string {
  const onset = defect.start.toFixed(3);
  const track = defect.track === undefined ? "" : `\n${defect.track}`;
  return createHash("sha256")
    .update(`${jobId}\n${defectKind(defect)}\n${onset}${track}`)
    .digest("hex")
    .slice(0, 32);
}

/** Local stand-ins: on AWS, EventBridge stamps its own region and account on delivered events. */
const LOCAL_REGION = "local";
const LOCAL_ACCOUNT = "000000000000";

function envelopeFields(now: Date) {
  return {
    version: "0",
    id: randomUUID(),
    source: EVENT_SOURCE,
    time: now.toISOString(),
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT,
    resources: [] as string[],
  } as const;
}

function base(jobId: string, now: Date) {
  return { version: DETAIL_VERSION, jobId, occurredAt: now.toISOString() } as const;
}

export function jobAccepted(
  jobId: string,
  job: Pick<JobAcceptedDetail, "source" | "mode" | "detectors" | "labels" | "groups">,
  now = new Date(),
): JobAcceptedEvent {
  const { source, mode, detectors, labels, groups } = job;
  const detail: JobAcceptedDetail = { ...base(jobId, now), source, mode, detectors, labels };
  if (groups !== undefined) detail.groups = groups;
  return { ...envelopeFields(now), "detail-type": "Job Accepted", detail };
}

export function jobStarted(
  jobId: string,
  run: { attempt: number; workerId?: string },
  now = new Date(),
): JobStartedEvent {
  const detail: JobStartedDetail = { ...base(jobId, now), attempt: run.attempt };
  if (run.workerId !== undefined) detail.workerId = run.workerId;
  return { ...envelopeFields(now), "detail-type": "Job Started", detail };
}

export function defectDetected(
  jobId: string,
  defect: Defect,
  now = new Date(),
  evidence?: Evidence,
): DefectDetectedEvent {
  return {
    ...envelopeFields(now),
    "detail-type": "Defect Detected",
    detail: { ...base(jobId, now), alertId: alertId(jobId, defect), defect, ...(evidence && { evidence }) },
  };
}

export function defectCleared(
  jobId: string,
  defect: Defect & { end: number },
  now = new Date(),
): DefectClearedEvent {
  return {
    ...envelopeFields(now),
    "detail-type": "Defect Cleared",
    detail: { ...base(jobId, now), alertId: alertId(jobId, defect), defect },
  };
}

export function jobCompleted(
  jobId: string,
  summary: Report,
  now = new Date(),
  reason: CompletionReason = "end-of-source",
): InlineJobCompletedEvent {
  return {
    ...envelopeFields(now),
    "detail-type": "Job Completed",
    detail: { ...base(jobId, now), reason, summary },
  };
}

export function jobFailed(
  jobId: string,
  error: { code: string; message: string; retryable: boolean },
  now = new Date(),
): JobFailedEvent {
  const { code, message, retryable } = error;
  return {
    ...envelopeFields(now),
    "detail-type": "Job Failed",
    detail: { ...base(jobId, now), error: { code, message, retryable } },
  };
}

export function jobProgress(
  jobId: string,
  progress: { streamTime: number | undefined; live: LiveUsage },
  now = new Date(),
): JobProgressEvent {
  const detail: JobProgressDetail = { ...base(jobId, now), live: progress.live };
  if (progress.streamTime !== undefined) detail.streamTime = progress.streamTime;
  return { ...envelopeFields(now), "detail-type": "Job Progress", detail };
}

/** File name of each detail-type's JSON Schema under `core-service/schemas/`, e.g. `defect-detected.json`. */
export function schemaFileName(detailType: DetailType): string {
  return `${detailType.toLowerCase().replace(/\s+/g, "-")}.json`;
}

/** The JSON Schema documents subscribers code against, keyed by file name. */
export function eventJsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const detailType of DETAIL_TYPES) {
    const schema = EVENT_SCHEMAS[detailType].meta({
      title: `avmon ${detailType}`,
      description: `EventBridge event with source "${EVENT_SOURCE}" and detail-type "${detailType}".`,
    });
    // "input" leaves objects open (no additionalProperties: false), so adding an optional field later does not
    // break subscribers that validate strictly.
    out[schemaFileName(detailType)] = z.toJSONSchema(schema, { io: "input" });
  }
  return out;
}

/** Something offered as an avmon event that does not match its schema: a bug in the publisher. */
export class InvalidEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidEventError";
  }
}

/** Validates an event at a bus boundary; the error names the offending field. */
export function parseAvmonEvent(event: unknown): AvmonEvent {
  const result = AvmonEvent.safeParse(event);
  if (result.success) return result.data;
  throw new InvalidEventError(`invalid avmon event: ${z.prettifyError(result.error)}`, {
    cause: result.error,
  });
}
