import { z } from "zod";
import { Defect, DetectorName } from "./defect.ts";

export const JobMode = z.enum(["file", "live"]);
export type JobMode = z.infer<typeof JobMode>;

export const JobStatus = z.enum(["queued", "running", "completed", "failed", "stopped"]);
export type JobStatus = z.infer<typeof JobStatus>;

/** The statuses a job ends in; the one list every part of avmon asks. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "stopped"];

export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Per-detector threshold overrides, e.g. `{ "loudness": { "target": -24 } }`; validated by the detector registry. */
export const Thresholds = z.partialRecord(DetectorName, z.record(z.string(), z.unknown()));
export type Thresholds = z.infer<typeof Thresholds>;

const MAX_SOURCE_LENGTH = 2048;
/** A week: long enough for any event coverage, short enough that a forgotten job does not run for ever. */
export const MAX_LIVE_DURATION_SECONDS = 7 * 24 * 3600;
/**
 * How long a live job runs when it does not say (AVMON_LIVE_MAX_DURATION_SECONDS): a day, so a job nobody
 * remembers ends; one that reaches it fails as LIMIT_REACHED, one that asked for its duration completes.
 */
export const DEFAULT_LIVE_MAX_DURATION_SECONDS = 24 * 3600;

/** How a live job re-opens its source after ffmpeg ends or the stream stalls; absent fields take defaults. */
export const LiveReconnect = z
  .object({
    initialDelay: z.number().min(0).max(60).optional(),
    factor: z.number().min(1).max(10).optional(),
    maxDelay: z.number().positive().max(300).optional(),
    maxAttempts: z.number().int().positive().optional(),
  })
  .strict();
export type LiveReconnect = z.infer<typeof LiveReconnect>;

/**
 * How much of a live stream's video is decoded: `full` every picture; `economy` keyframes only while the
 * stream looks healthy, escalating to full decode the moment a sample looks wrong (live/economy-*.ts).
 */
export const LiveProfile = z.enum(["full", "economy"]);
export type LiveProfile = z.infer<typeof LiveProfile>;

/** What sent an economy stream to full decode (the engine's EscalationCause, live/types.ts). */
export const EscalationCause = z.enum([
  "black",
  "still",
  "decoder-complaint",
  "bitrate-collapse",
  "open-defect",
]);
export type EscalationCause = z.infer<typeof EscalationCause>;

/**
 * What a live job has cost and how it has been decoded, across hand-offs: the figures of its status and of its
 * Job Progress events. `cpuSeconds` is its ffmpegs' CPU plus its share of the worker process's (media/cpu-meter.ts);
 * `mediaSeconds` the stream time watched, which `cpuSecondsPerMediaHour` divides by.
 */
export const LiveUsage = z.object({
  profile: LiveProfile,
  /** Economy only: decoding every picture now. */
  escalated: z.boolean(),
  /** Times the stream went to full decode (0 under `full`), and why it last did. */
  escalations: z.object({ count: z.int().min(0), lastCause: EscalationCause.optional() }),
  cpuSeconds: z.number().min(0),
  cpuSecondsPerMediaHour: z.number().min(0),
  mediaSeconds: z.number().min(0),
});
export type LiveUsage = z.infer<typeof LiveUsage>;

/** Options of a `"mode": "live"` job; absent ones come from the worker's configuration. */
export const LiveJobOptions = z
  .object({
    /** Decode profile; absent = the worker's AVMON_LIVE_PROFILE (default `full`). */
    profile: LiveProfile.optional(),
    /** Wall seconds after which the job completes on its own, counted from its first start across hand-offs. */
    maxDurationSeconds: z.number().positive().max(MAX_LIVE_DURATION_SECONDS).optional(),
    /** Seconds without any media before a `stall` is raised and the source re-opened. */
    stallAfterSeconds: z.number().positive().max(300).optional(),
    reconnect: LiveReconnect.optional(),
  })
  .strict();
export type LiveJobOptions = z.infer<typeof LiveJobOptions>;

/**
 * Where one worker stopped watching a live stream, for the next: open defects with their alertIds, the last
 * stream time and wall time of media, and the timeline corrections. Small and JSON-safe, for a queue message.
 */
export const LiveResumeState = z.object({
  openDefects: z.array(z.object({ alertId: z.string().min(1), defect: Defect })),
  /** Last stream time seen (seconds on the stream's timeline, after discontinuity correction). */
  lastStreamTime: z.number().optional(),
  /** Wall-clock ISO time of that last media. */
  lastSeenAt: z.string().optional(),
  /** Corrections added to each kind's raw timestamps so the timeline stayed continuous across jumps. */
  timelineOffsets: z.object({ video: z.number(), audio: z.number() }).default({ video: 0, audio: 0 }),
});
export type LiveResumeState = z.infer<typeof LiveResumeState>;

/** What a live job carries from one delivery to the next when a worker hands it over (12-hour lease cap, shutdown). */
export const LiveContinuation = z
  .object({
    /** When the job first started watching; max duration counts from here. */
    watchingSince: z.iso.datetime({ offset: true }),
    /** Hand-offs so far, for logs and to tell a continuation from a first delivery. */
    handOffs: z.int().min(1),
    resumeState: LiveResumeState,
    /** The job's usage so far, so the next worker's figures go on from it. */
    usage: LiveUsage.optional(),
  })
  .strict();
export type LiveContinuation = z.infer<typeof LiveContinuation>;

/** The body of `POST /v1/jobs`, the same locally and behind API Gateway. */
export const JobRequest = z
  .object({
    source: z.string().min(1, "source must not be empty").max(MAX_SOURCE_LENGTH),
    mode: JobMode.default("file"),
    detectors: z.array(DetectorName).min(1).optional(),
    thresholds: Thresholds.optional(),
    labels: z.record(z.string().max(128), z.string().max(256)).optional(),
    live: LiveJobOptions.optional(),
  })
  .strict()
  .refine((request) => request.live === undefined || request.mode === "live", {
    path: ["live"],
    message: 'live options need "mode": "live"',
  });
export type JobRequest = z.infer<typeof JobRequest>;

/** What travels on the jobs queue. Validated on receipt; anything else is a poison message. */
export const QueueMessage = z
  .object({
    version: z.literal(1),
    jobId: z.string().min(1),
    source: z.string().min(1).max(MAX_SOURCE_LENGTH),
    mode: JobMode,
    detectors: z.array(DetectorName),
    thresholds: Thresholds,
    labels: z.record(z.string(), z.string()),
    live: LiveJobOptions.optional(),
    /** Present on a live job handed from one worker to the next. */
    continuation: LiveContinuation.optional(),
  })
  .strict();
export type QueueMessage = z.infer<typeof QueueMessage>;
