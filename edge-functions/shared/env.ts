import { z } from "zod";
import { DetectorName } from "../../core-service/src/domain/defect.ts";

/** Environment variable names shared by the CDK app (which sets them) and the handlers (which read them). */
export const ENV = {
  groupQueues: "AVMON_GROUP_QUEUES",
  eventBusName: "AVMON_EVENT_BUS_NAME",
  jobTableName: "AVMON_JOB_TABLE_NAME",
  ingestBucket: "AVMON_INGEST_BUCKET",
  ingestPrefix: "AVMON_INGEST_PREFIX",
  alertTopicArn: "AVMON_ALERT_TOPIC_ARN",
  webhookSecretId: "AVMON_WEBHOOK_SECRET_ID",
} as const;

/**
 * Each function's timeout: the CDK app sets it, and the handlers use it as the life of an idempotency claim
 * whose invocation never finished (killed at its timeout), after which a retry may take the claim over.
 */
export const FUNCTION_TIMEOUT_SECONDS = {
  // SSRF checks resolve DNS; leave room for a slow resolver without holding API Gateway's 29 s.
  "ingest-api": 20,
  "s3-ingest": 15,
  notifier: 30,
  "status-projector": 30,
} as const;

/** A detector group as ingestion sees it: where to send a job and which detectors that group runs. */
export const GroupQueue = z.object({
  name: z.string().min(1),
  queueUrl: z.string().min(1),
  detectors: z.array(DetectorName).min(1),
});
export type GroupQueue = z.infer<typeof GroupQueue>;

const GroupQueues = z.preprocess(
  (value) => (typeof value === "string" ? JSON.parse(value) : value),
  z.array(GroupQueue).min(1),
);

const required = (name: string) => z.string({ error: `${name} is not set` }).min(1, `${name} is empty`);

export const IngestEnv = z.object({
  [ENV.groupQueues]: GroupQueues,
  [ENV.eventBusName]: required(ENV.eventBusName),
  [ENV.jobTableName]: required(ENV.jobTableName),
  [ENV.ingestBucket]: required(ENV.ingestBucket),
});
export type IngestEnv = z.infer<typeof IngestEnv>;

export const S3IngestEnv = IngestEnv.extend({ [ENV.ingestPrefix]: z.string().default("") });
export type S3IngestEnv = z.infer<typeof S3IngestEnv>;

export const NotifierEnv = z.object({
  [ENV.alertTopicArn]: required(ENV.alertTopicArn),
  [ENV.jobTableName]: required(ENV.jobTableName),
  [ENV.webhookSecretId]: z.string().min(1).optional(),
});
export type NotifierEnv = z.infer<typeof NotifierEnv>;

export const StatusProjectorEnv = z.object({
  [ENV.jobTableName]: required(ENV.jobTableName),
  /** Claim-checked reports are read from the ingest bucket's events/claims/. */
  [ENV.ingestBucket]: required(ENV.ingestBucket),
});
export type StatusProjectorEnv = z.infer<typeof StatusProjectorEnv>;

/** Parses a handler's environment once, failing at cold start with the variables that are wrong. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid environment: ${issues.join("; ")}`);
  }
  return parsed.data;
}
