/**
 * Every setting avmon's container and local stack read from the environment, parsed once at start-up. A bad
 * value stops the process at once with a message naming the variable, instead of failing on the first job.
 */
import { delimiter, resolve } from "node:path";
import { z } from "zod";
import { ALL_DETECTORS, parseDetectorList } from "./detectors/registry.ts";
import { type DetectorName, DetectorName as DetectorNameSchema } from "./domain/defect.ts";
import { ConfigError } from "./domain/errors.ts";
import { DEFAULT_LIVE_MAX_DURATION_SECONDS, LiveProfile, MAX_LIVE_DURATION_SECONDS } from "./domain/job.ts";
import { type AnalysisLimits, DEFAULT_ANALYSIS_LIMITS } from "./domain/limits.ts";
import { liveStreamsPerTask } from "./domain/live-capacity.ts";
import { parseAuthority } from "./server/host-allow-list.ts";

export interface SettingDescription {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

/** The README's settings table is checked against this list. */
export const SETTINGS = [
  {
    name: "PORT",
    default: "3000",
    description: "HTTP port: the local API (`serve`) or the health check (`worker`).",
  },
  {
    name: "AVMON_DATA_DIR",
    default: ".avmon-data",
    description:
      "Where the local stack keeps its files: the demo clip, evidence images under `evidence/`, webhook subscriptions and outboxes, undeliverable events, large reports.",
  },
  {
    name: "AVMON_DEMO",
    default: "true",
    description: "`serve` submits the demo clip at start-up and prints its alerts; `false` turns it off.",
  },
  { name: "AVMON_QUEUE_URL", default: "(none)", description: "SQS jobs queue URL; required by `worker`." },
  {
    name: "AVMON_EVENT_BUS_NAME",
    default: "(none)",
    description: "EventBridge bus name; required by `worker`.",
  },
  {
    name: "AVMON_JOB_TABLE_NAME",
    default: "(none)",
    description:
      "DynamoDB job table; with it `worker` skips alerts an earlier delivery published and sees stop requests.",
  },
  {
    name: "AVMON_INGEST_BUCKET",
    default: "(none)",
    description:
      "S3 ingest bucket; required by `worker`, which keeps each defect's evidence image under its `evidence/` prefix, and large reports (claim checks) and events EventBridge refused under `events/`.",
  },
  {
    name: "AVMON_DETECTOR_GROUP",
    default: "(none)",
    description: "Name of this worker's detector group, stamped on its Job Started/Completed/Failed events.",
  },
  {
    name: "ECS_AGENT_URI",
    default: "(set by ECS)",
    description: "ECS agent endpoint; when set, `worker` holds task scale-in protection while it runs jobs.",
  },
  {
    name: "AVMON_ALLOW_PRIVATE_SOURCES",
    default: "true",
    description:
      "`serve` accepts sources and webhook URLs on loopback and private networks (a stream on your LAN); `false` applies the SSRF guard to both, at submission and at every fetch.",
  },
  {
    name: "AVMON_ALLOWED_HOSTS",
    default: "(none)",
    description:
      "Comma-separated names (`name` or `name:port`) the local API answers to besides localhost, 127.0.0.1 and [::1] on its port, e.g. behind a reverse proxy; other `Host` headers get 421.",
  },
  {
    name: "AVMON_LOCAL_ROOTS",
    default: "(working folder and AVMON_DATA_DIR)",
    description:
      "Folders whose files `serve` may analyse, separated by `:` (`;` on Windows); any other local path is refused.",
  },
  { name: "AWS_REGION", default: "(SDK default)", description: "Region of the queue and the bus." },
  {
    name: "AVMON_DETECTORS",
    default: "all",
    description: "Comma-separated detectors this worker runs (a detector group).",
  },
  { name: "AVMON_CONCURRENCY", default: "2", description: "File jobs one worker analyses at once." },
  {
    name: "AVMON_LIVE_PROFILE",
    default: "full",
    description:
      "Decode profile of live jobs whose request sets no `live.profile`: `full` (every picture) or `economy` (keyframes while healthy).",
  },
  {
    name: "AVMON_MAX_LIVE_STREAMS",
    default: `(from AVMON_LIVE_PROFILE: full ${liveStreamsPerTask("full")}, economy ${liveStreamsPerTask("economy")})`,
    description:
      "Live streams one worker follows at once, apart from the file jobs' `AVMON_CONCURRENCY`; a live job received beyond it goes straight back to the queue for another task.",
  },
  {
    name: "AVMON_SERVICE_NAME",
    default: "(AVMON_DETECTOR_GROUP, else avmon-core)",
    description:
      "`ServiceName` dimension of the task's `RunningStreams` metric (CloudWatch EMF), which autoscaling averages over the service's tasks; the stack sets `<stack>-<group>`.",
  },
  {
    name: "AVMON_SHUTDOWN_DEADLINE_SECONDS",
    default: "100",
    description: "On SIGTERM, how long running jobs may finish before they are released.",
  },
  {
    name: "AVMON_VISIBILITY_TIMEOUT_SECONDS",
    default: "30",
    description: "How long a received job stays hidden between heartbeats.",
  },
  {
    name: "AVMON_MAX_RECEIVE_COUNT",
    default: "5",
    description:
      "Deliveries of a job before it fails for good; the stack sets it from the jobs queue's redrive policy.",
  },
  {
    name: "AVMON_RETRY_BASE_SECONDS",
    default: "5",
    description: "First backoff delay of a retryable failure; doubles per attempt, capped at 900.",
  },
  {
    name: "AVMON_LIVE_MAX_DURATION_SECONDS",
    default: "86400",
    description:
      "How long a live job runs when its request sets no `live.maxDurationSeconds` (which may ask for up to 604800); reaching it fails the job as `LIMIT_REACHED`.",
  },
  {
    name: "AVMON_MAX_BODY_BYTES",
    default: "65536",
    description: "Largest request body the local API accepts.",
  },
  {
    name: "AVMON_STALL_SECONDS",
    default: "30",
    description: "An analysis that decodes no picture and no audio sample for this long fails as `STALLED`.",
  },
  {
    name: "AVMON_WALL_CLOCK_FACTOR",
    default: "2",
    description:
      "A file analysis may take this many times its media duration (plus `AVMON_WALL_CLOCK_BASE_SECONDS`) before it fails as `LIMIT_REACHED`.",
  },
  {
    name: "AVMON_WALL_CLOCK_BASE_SECONDS",
    default: "300",
    description: "The constant part of a file analysis's wall-clock budget.",
  },
  {
    name: "AVMON_MAX_MEDIA_SECONDS",
    default: "86400",
    description: "Longest media a file analysis reads (24 h); longer sources fail as `LIMIT_REACHED`.",
  },
  {
    name: "AVMON_MAX_PIXELS",
    default: "35389440",
    description: "Largest picture decoded (8192×4320); larger pictures are refused before decoding.",
  },
  { name: "AVMON_LOG_LEVEL", default: "info", description: "debug, info, warn, error or silent." },
] as const satisfies readonly SettingDescription[];

type SettingName = (typeof SETTINGS)[number]["name"];

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const positive = (fallback: number) => z.coerce.number().positive().default(fallback);

const booleanFlag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" })
    .default(fallback ? "true" : "false")
    .transform((value) => value === "true" || value === "1" || value === "yes");

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const hostList = z
  .string()
  .default("")
  .transform((value, ctx): string[] => {
    const hosts = value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    const bad = hosts.filter((entry) => parseAuthority(entry) === undefined);
    if (bad.length === 0) return hosts;
    ctx.addIssue({
      code: "custom",
      message: `expected host names (name or name:port), got ${bad.join(", ")}`,
    });
    return z.NEVER;
  });

const detectorList = z
  .string()
  .default("all")
  .transform((value, ctx): DetectorName[] => {
    if (value.trim() === "all") return [...ALL_DETECTORS];
    try {
      return parseDetectorList(value);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: `expected "all" or a list of ${DetectorNameSchema.options.join(", ")}`,
      });
      return z.NEVER;
    }
  });

const EnvSchema = z.object({
  PORT: int(0, 65_535, 3000),
  AVMON_DATA_DIR: z.string().min(1).default(".avmon-data"),
  AVMON_DEMO: booleanFlag(true),
  AVMON_QUEUE_URL: optionalText,
  AVMON_EVENT_BUS_NAME: optionalText,
  AVMON_JOB_TABLE_NAME: optionalText,
  AVMON_INGEST_BUCKET: optionalText,
  AVMON_DETECTOR_GROUP: optionalText,
  ECS_AGENT_URI: optionalText,
  AVMON_ALLOW_PRIVATE_SOURCES: booleanFlag(true),
  AVMON_ALLOWED_HOSTS: hostList,
  AVMON_LOCAL_ROOTS: optionalText,
  AWS_REGION: optionalText,
  AVMON_DETECTORS: detectorList,
  AVMON_CONCURRENCY: int(1, 64, 2),
  AVMON_LIVE_PROFILE: LiveProfile.default("full"),
  AVMON_MAX_LIVE_STREAMS: z.coerce.number().int().min(1).max(1000).optional(),
  AVMON_SERVICE_NAME: optionalText,
  AVMON_SHUTDOWN_DEADLINE_SECONDS: int(0, 3600, 100),
  AVMON_VISIBILITY_TIMEOUT_SECONDS: int(1, 43_200, 30),
  AVMON_MAX_RECEIVE_COUNT: int(1, 1000, 5),
  AVMON_RETRY_BASE_SECONDS: int(0, 900, 5),
  AVMON_LIVE_MAX_DURATION_SECONDS: int(1, MAX_LIVE_DURATION_SECONDS, DEFAULT_LIVE_MAX_DURATION_SECONDS),
  AVMON_MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024, 65_536),
  AVMON_STALL_SECONDS: positive(DEFAULT_ANALYSIS_LIMITS.stallSeconds),
  AVMON_WALL_CLOCK_FACTOR: positive(DEFAULT_ANALYSIS_LIMITS.wallClockFactor),
  AVMON_WALL_CLOCK_BASE_SECONDS: positive(DEFAULT_ANALYSIS_LIMITS.wallClockBaseSeconds),
  AVMON_MAX_MEDIA_SECONDS: positive(DEFAULT_ANALYSIS_LIMITS.maxMediaSeconds),
  AVMON_MAX_PIXELS: int(1, 2 ** 31 - 1, DEFAULT_ANALYSIS_LIMITS.maxPixels),
  AVMON_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
} satisfies Record<SettingName, z.ZodType>);

export interface AvmonConfig {
  readonly port: number;
  readonly dataDir: string;
  readonly demo: boolean;
  readonly queueUrl: string | undefined;
  readonly eventBusName: string | undefined;
  readonly jobTableName: string | undefined;
  readonly ingestBucket: string | undefined;
  readonly detectorGroup: string | undefined;
  readonly ecsAgentUri: string | undefined;
  readonly allowPrivateSources: boolean;
  /** Names the local API answers to besides the loopback ones. */
  readonly allowedHosts: readonly string[];
  /** Absolute folders below which the local API and worker read local files. */
  readonly localRoots: readonly string[];
  readonly awsRegion: string | undefined;
  readonly detectors: readonly DetectorName[];
  /** File jobs at once. */
  readonly concurrency: number;
  readonly liveProfile: LiveProfile;
  /** Live streams at once, apart from `concurrency`. */
  readonly maxLiveStreams: number;
  readonly serviceName: string | undefined;
  readonly shutdownDeadlineSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly retryBaseSeconds: number;
  readonly liveMaxDurationSeconds: number;
  readonly maxBodyBytes: number;
  readonly analysisLimits: AnalysisLimits;
  readonly logLevel: "debug" | "info" | "warn" | "error" | "silent";
}

/** Reads the settings from `env`; throws a ConfigError naming every variable that is wrong. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): AvmonConfig {
  const parsed = EnvSchema.safeParse(presentOnly(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid environment: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    dataDir: e.AVMON_DATA_DIR,
    demo: e.AVMON_DEMO,
    queueUrl: e.AVMON_QUEUE_URL,
    eventBusName: e.AVMON_EVENT_BUS_NAME,
    jobTableName: e.AVMON_JOB_TABLE_NAME,
    ingestBucket: e.AVMON_INGEST_BUCKET,
    detectorGroup: e.AVMON_DETECTOR_GROUP,
    ecsAgentUri: e.ECS_AGENT_URI,
    allowPrivateSources: e.AVMON_ALLOW_PRIVATE_SOURCES,
    allowedHosts: e.AVMON_ALLOWED_HOSTS,
    localRoots: localRoots(e.AVMON_LOCAL_ROOTS, e.AVMON_DATA_DIR),
    awsRegion: e.AWS_REGION,
    detectors: e.AVMON_DETECTORS,
    concurrency: e.AVMON_CONCURRENCY,
    liveProfile: e.AVMON_LIVE_PROFILE,
    maxLiveStreams: e.AVMON_MAX_LIVE_STREAMS ?? liveStreamsPerTask(e.AVMON_LIVE_PROFILE),
    serviceName: e.AVMON_SERVICE_NAME,
    shutdownDeadlineSeconds: e.AVMON_SHUTDOWN_DEADLINE_SECONDS,
    visibilityTimeoutSeconds: e.AVMON_VISIBILITY_TIMEOUT_SECONDS,
    maxReceiveCount: e.AVMON_MAX_RECEIVE_COUNT,
    retryBaseSeconds: e.AVMON_RETRY_BASE_SECONDS,
    liveMaxDurationSeconds: e.AVMON_LIVE_MAX_DURATION_SECONDS,
    maxBodyBytes: e.AVMON_MAX_BODY_BYTES,
    analysisLimits: {
      stallSeconds: e.AVMON_STALL_SECONDS,
      wallClockFactor: e.AVMON_WALL_CLOCK_FACTOR,
      wallClockBaseSeconds: e.AVMON_WALL_CLOCK_BASE_SECONDS,
      maxMediaSeconds: e.AVMON_MAX_MEDIA_SECONDS,
      maxPixels: e.AVMON_MAX_PIXELS,
    },
    logLevel: e.AVMON_LOG_LEVEL,
  };
}

function localRoots(list: string | undefined, dataDir: string): string[] {
  if (list === undefined) return [process.cwd(), resolve(dataDir)];
  return list
    .split(delimiter)
    .map((root) => root.trim())
    .filter((root) => root !== "")
    .map((root) => resolve(root));
}

// An empty variable (`PORT=`) means "not set", as shells and compose files usually intend.
function presentOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name } of SETTINGS) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") out[name] = value;
  }
  return out;
}
