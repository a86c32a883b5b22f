import { z } from "zod";
import { EVENT_STORE_PREFIX } from "../../core-service/src/adapters/aws/event-store-layout.ts";
import { DetectorName, FILE_DEFECT_TYPES, Severity } from "../../core-service/src/domain/defect.ts";
import { EVIDENCE_PREFIX } from "../../core-service/src/domain/evidence.ts";
import { LiveProfile } from "../../core-service/src/domain/job.ts";
import { liveStreamsPerTask } from "../../core-service/src/domain/live-capacity.ts";

/** Fargate CPU units per vCPU. */
export const VCPU_UNITS = 1024;

/** A slice of the detectors run by its own ECS service, fed by its own queue. */
export const DetectorGroupConfig = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, "group names are lower-case letters, digits and dashes, ≤ 20 chars"),
    detectors: z.array(DetectorName).min(1),
    minTasks: z.number().int().min(0).default(1),
    maxTasks: z.number().int().min(1).default(10),
    /** Decode profile of the group's live jobs that ask for none (AVMON_LIVE_PROFILE). */
    liveProfile: LiveProfile.default("full"),
    /**
     * Live streams one task follows at most (AVMON_MAX_LIVE_STREAMS); autoscaling keeps the average below it.
     * Default: the profile's bench figure scaled to taskCpu, three quarters of it (domain/live-capacity.ts).
     */
    streamsPerTask: z.number().int().min(1).max(1000).optional(),
  })
  .refine((group) => group.maxTasks >= group.minTasks, "maxTasks must be ≥ minTasks");

/** A detector group as the constructs get it: every default filled in, streamsPerTask included. */
export type DetectorGroupConfig = z.infer<typeof DetectorGroupConfig> & { readonly streamsPerTask: number };

const AuthConfig = z.discriminatedUnion("type", [
  z.object({ type: z.literal("iam") }),
  z.object({ type: z.literal("jwt"), userPoolId: z.string().min(1) }),
]);

/**
 * Everything the stack can be told from outside (cdk.json context or `-c avmon:config='{…}'`).
 * Parsed once, with defaults, so constructs receive plain readonly values.
 */
export const AvmonConfig = z
  .object({
    busName: z.string().min(1).default("avmon"),
    /** Deploy into an existing VPC instead of creating one. */
    vpcId: z.string().startsWith("vpc-").optional(),
    auth: AuthConfig.default({ type: "iam" }),
    detectorGroups: z
      .array(DetectorGroupConfig)
      .min(1)
      .default([
        { name: "all", detectors: [...FILE_DEFECT_TYPES], minTasks: 1, maxTasks: 10, liveProfile: "full" },
      ]),
    alertSeverities: z.array(Severity).min(1).default(["major", "critical"]),
    alertEmails: z.array(z.email()).default([]),
    /** Name of a Secrets Manager secret holding a Slack-compatible incoming-webhook URL. */
    webhookSecretName: z.string().min(1).optional(),
    /** Messages waiting per running task that autoscaling aims for. */
    backlogPerTask: z.number().positive().default(4),
    /** Fargate CPU units of each task (1024 = 1 vCPU); the default streamsPerTask scales with it. */
    taskCpu: z.number().int().min(256).default(2048),
    taskMemoryMiB: z.number().int().default(4096),
    /**
     * Uploads under it become jobs; it may not hold the events/ prefix where avmon keeps event data, nor the
     * evidence/ prefix where the workers write evidence images.
     */
    ingestPrefix: z
      .string()
      .default("incoming/")
      .refine(
        (prefix) =>
          [EVENT_STORE_PREFIX, EVIDENCE_PREFIX].every(
            (kept) => !kept.startsWith(prefix) && !prefix.startsWith(kept),
          ),
        `must not be empty nor overlap ${EVENT_STORE_PREFIX} (claim checks and undeliverable events) or ${EVIDENCE_PREFIX} (evidence images), where avmon keeps its own files`,
      ),
    logRetentionDays: z.number().int().default(30),
    eventArchiveDays: z.number().int().min(1).default(30),
    apiRateLimit: z.number().positive().default(50),
    apiBurstLimit: z.number().int().positive().default(100),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = config.detectorGroups.map((group) => group.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({
        code: "custom",
        path: ["detectorGroups"],
        message: "detector group names must be unique",
      });
    }
  })
  .transform((config) => ({
    ...config,
    detectorGroups: config.detectorGroups.map(
      (group): DetectorGroupConfig => ({
        ...group,
        streamsPerTask:
          group.streamsPerTask ?? liveStreamsPerTask(group.liveProfile, config.taskCpu / VCPU_UNITS),
      }),
    ),
  }));
export type AvmonConfig = z.infer<typeof AvmonConfig>;
export type AvmonConfigInput = z.input<typeof AvmonConfig>;

export const CONFIG_CONTEXT_KEY = "avmon:config";

/** Parses the context value (an object, or a JSON string when given with `-c`), naming what is wrong. */
export function parseAvmonConfig(raw: unknown): AvmonConfig {
  const value = typeof raw === "string" ? JSON.parse(raw) : (raw ?? {});
  const parsed = AvmonConfig.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new Error(`invalid ${CONFIG_CONTEXT_KEY} context: ${issues.join("; ")}`);
  }
  return parsed.data;
}
