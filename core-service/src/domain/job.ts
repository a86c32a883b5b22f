import { z } from "zod";
import { DetectorName } from "./defect.ts";

export const JobMode = z.enum(["file", "live"]);
export type JobMode = z.infer<typeof JobMode>;

export const JobStatus = z.enum(["queued", "running", "completed", "failed", "stopped"]);
export type JobStatus = z.infer<typeof JobStatus>;

/** Per-detector threshold overrides, e.g. `{ "loudness": { "target": -24 } }`; validated by the detector registry. */
export const Thresholds = z.partialRecord(DetectorName, z.record(z.string(), z.unknown()));
export type Thresholds = z.infer<typeof Thresholds>;

const MAX_SOURCE_LENGTH = 2048;

/** The body of `POST /v1/jobs`, the same locally and behind API Gateway. */
export const JobRequest = z
  .object({
    source: z.string().min(1, "source must not be empty").max(MAX_SOURCE_LENGTH),
    mode: JobMode.default("file"),
    detectors: z.array(DetectorName).min(1).optional(),
    thresholds: Thresholds.optional(),
    labels: z.record(z.string().max(128), z.string().max(256)).optional(),
  })
  .strict();
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
  })
  .strict();
export type QueueMessage = z.infer<typeof QueueMessage>;
