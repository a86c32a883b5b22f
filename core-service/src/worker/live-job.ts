import type { ClosedDefect, DetectorName } from "../domain/defect.ts";
import { LimitReachedError } from "../domain/errors.ts";
import {
  type AvmonEvent,
  defectCleared,
  defectDetected,
  type JobProgressEvent,
  jobProgress,
} from "../domain/events.ts";
import {
  DEFAULT_LIVE_MAX_DURATION_SECONDS,
  type LiveContinuation,
  type LiveProfile,
  type LiveReconnect,
  type LiveUsage,
  MAX_LIVE_DURATION_SECONDS,
  type QueueMessage,
} from "../domain/job.ts";
import type { Report } from "../domain/report.ts";
import type { LevelsSink } from "../domain/signal-levels.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import type { LiveDetectorEvent, LiveSummary } from "../live/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { JobStore } from "../ports/job-store.ts";
import { untilAborted } from "./bounded.ts";
import type { LiveAnalyzer } from "./live-analyzer.ts";
import { liveStartOf, remainingSeconds } from "./live-resume.ts";
import type { LiveStreams } from "./live-streams.ts";
import { LiveUsageMeter, ProgressSchedule, usageOfView } from "./live-usage.ts";
import { PublishedAlerts } from "./published-alerts.ts";

/** What a live job gets when its request leaves an option out (the worker's configuration). */
export interface LiveJobSettings {
  /** For jobs that do not ask for a maximum duration of their own. */
  readonly maxDurationSeconds: number;
  readonly stallAfterSeconds: number;
  readonly reconnect: LiveReconnect;
  /** AVMON_LIVE_PROFILE: for jobs that do not ask for a profile of their own. */
  readonly profile: LiveProfile;
  /** The queue's visibility timeout: how long a crashed worker's job stays hidden before it comes back. */
  readonly leaseSeconds: number;
  /** Seconds between a running live job's Job Progress events (escalations are told at once); see ProgressSchedule. */
  readonly progressIntervalSeconds: number;
}

export const DEFAULT_LIVE_SETTINGS: LiveJobSettings = {
  maxDurationSeconds: DEFAULT_LIVE_MAX_DURATION_SECONDS,
  stallAfterSeconds: 5,
  reconnect: {},
  profile: "full",
  leaseSeconds: 30,
  progressIntervalSeconds: 60,
};

/** The summary of a long stream keeps its latest defects only, so it stays one event's size. */
const MAX_REPORTED_DEFECTS = 200;

export interface LiveJobContext {
  readonly message: QueueMessage;
  /** 1 on the first delivery of this message; more when a worker died holding it. */
  readonly receiveCount: number;
  readonly detectors: readonly DetectorName[];
  readonly signal: AbortSignal;
  readonly analyze: LiveAnalyzer;
  readonly settings: LiveJobSettings;
  readonly publish: (event: AvmonEvent) => Promise<void>;
  readonly jobStore: JobStore | undefined;
  readonly streams: LiveStreams | undefined;
  readonly levels?: LevelsSink | undefined;
  readonly evidence?: EvidenceKeeper<LiveDetectorEvent> | undefined;
  readonly logger: Logger;
}

export interface LiveJobResult {
  readonly summary: LiveSummary;
  readonly report: Report;
  /** The job's usage at the end (profile, escalations, CPU), for its continuation and its last Job Progress. */
  readonly usage: LiveUsage;
  /** That usage as the Job Progress published with the job's end. */
  readonly progress: JobProgressEvent;
  /** When the job first started watching, for the next worker's max duration. */
  readonly watchingSince: Date;
  /** The maximum duration the job ran under: its own (`request`) or the worker's (`default`). */
  readonly maxDuration: { readonly seconds: number; readonly source: "request" | "default" };
}

/**
 * One delivery of a live job: resumes where the previous worker stopped (without re-announcing its open
 * defects), follows the stream until the signal or the job's maximum duration, and publishes each defect as it
 * opens and clears under the engine's alertId.
 */
export async function runLiveJob(context: LiveJobContext): Promise<LiveJobResult> {
  const { message, settings, logger } = context;
  const jobId = message.jobId;
  // The store is a network call on AWS: a stop must not wait for it.
  const view = await untilAborted(Promise.resolve(context.jobStore?.get(jobId)), context.signal);
  const start = liveStartOf(context, view, settings.leaseSeconds);
  if (start.resumeState) {
    logger.info("live job resumed", {
      openDefects: start.resumeState.openDefects.length,
      lastSeenAt: start.resumeState.lastSeenAt,
    });
  }
  const alerts = await untilAborted(PublishedAlerts.load(context.jobStore, jobId), context.signal);
  const closed: ClosedDefect[] = [];
  const onDetectorEvent = async (event: LiveDetectorEvent) => {
    if (event.kind === "close") keepLatest(closed, event.defect);
    const published = toAvmonEvent(jobId, event);
    if (alerts.has(published)) return;
    await context.publish(published);
    alerts.add(published);
  };
  const options = message.live ?? {};
  const continued = message.continuation && context.receiveCount === 1;
  const usage = new LiveUsageMeter({
    profile: options.profile ?? settings.profile,
    base: continued ? message.continuation?.usage : usageOfView(view),
    // A first delivery has a resume state too (from its own Job Started), but no stream time yet.
    resumed: start.resumeState?.lastStreamTime !== undefined,
  });
  const sendProgress = progressSender(context, usage);
  const maxDuration = {
    seconds: options.maxDurationSeconds ?? settings.maxDurationSeconds,
    source: options.maxDurationSeconds === undefined ? "default" : "request",
  } as const;
  try {
    const summary = await context.analyze(message, {
      detectors: context.detectors,
      signal: context.signal,
      maxDuration: remainingSeconds(maxDuration.seconds, start.watchingSince),
      stallAfter: options.stallAfterSeconds ?? settings.stallAfterSeconds,
      reconnect: { ...settings.reconnect, ...options.reconnect },
      profile: options.profile ?? settings.profile,
      resumeState: start.resumeState,
      onDetectorEvent,
      onProcess: usage.track,
      onStats: (stats) => {
        usage.update(stats);
        // Read once a tick: each reading reads every running ffmpeg's /proc stat.
        const live = usage.usage();
        sendProgress(live);
        context.streams?.update(jobId, message.source, stats, live);
        if (stats.streamTime !== undefined)
          context.levels?.record(jobId, { t: stats.streamTime, ...stats.levels });
      },
      ...(context.evidence && { evidence: context.evidence }),
      logger,
    });
    usage.end(summary.resumeState.lastStreamTime);
    const final = usage.usage();
    return {
      summary,
      report: liveReport(message.source, summary, closed, final),
      usage: final,
      progress: jobProgress(jobId, { streamTime: usage.streamTime, live: final }),
      watchingSince: start.watchingSince,
      maxDuration,
    };
  } finally {
    usage.stop();
    context.streams?.remove(jobId);
  }
}

/**
 * The failure of a live job that ran to the worker's default maximum duration: it did not ask to end there, so
 * it ends as LIMIT_REACHED; one that reached a maximum of its own asking simply completes (undefined).
 */
export function defaultMaxDurationReached(result: LiveJobResult): LimitReachedError | undefined {
  if (result.summary.endReason !== "max-duration" || result.maxDuration.source !== "default")
    return undefined;
  return new LimitReachedError(
    `live job reached the default maximum duration of ${result.maxDuration.seconds} s ` +
      `(AVMON_LIVE_MAX_DURATION_SECONDS); ask for up to ${MAX_LIVE_DURATION_SECONDS} s with live.maxDurationSeconds`,
  );
}

/** The Defect Cleared events that end a stopped job's open defects where watching ended. */
export function clearOpenDefects(jobId: string, summary: LiveSummary, now = new Date()): AvmonEvent[] {
  const end = summary.resumeState.lastStreamTime ?? 0;
  return summary.resumeState.openDefects.map(({ alertId, defect }) =>
    toAvmonEvent(jobId, {
      kind: "close",
      alertId,
      defect: { ...defect, end: Math.max(end, defect.start), endedAt: now.toISOString() },
    }),
  );
}

/** The message that carries a live job to its next delivery, with everything the next worker resumes from. */
export function continuationOf(message: QueueMessage, result: LiveJobResult): QueueMessage {
  const continuation: LiveContinuation = {
    watchingSince: result.watchingSince.toISOString(),
    handOffs: (message.continuation?.handOffs ?? 0) + 1,
    resumeState: result.summary.resumeState,
    usage: result.usage,
  };
  return { ...message, continuation };
}

/**
 * Publishes the job's Job Progress when its schedule says so, one at a time: a bus slower than the stats never
 * queues them up, and a failed one is only logged (the next is due soon, and the status is not an alert).
 */
function progressSender(context: LiveJobContext, usage: LiveUsageMeter): (live: LiveUsage) => void {
  const schedule = new ProgressSchedule(context.settings.progressIntervalSeconds);
  let sending = false;
  return (live) => {
    if (sending || !schedule.due(live)) return;
    schedule.sent(live);
    sending = true;
    context
      .publish(jobProgress(context.message.jobId, { streamTime: usage.streamTime, live }))
      .catch((error: unknown) => context.logger.debug("job progress not published", { error }))
      .finally(() => {
        sending = false;
      });
  };
}

function toAvmonEvent(jobId: string, event: LiveDetectorEvent) {
  // The engine's alertId, not the file path's onset hash: a resumed defect keeps the id it was announced with.
  const published =
    event.kind === "open"
      ? defectDetected(jobId, event.defect, new Date(), event.evidence)
      : defectCleared(jobId, event.defect);
  published.detail.alertId = event.alertId;
  return published;
}

function liveReport(
  source: string,
  summary: LiveSummary,
  closed: readonly ClosedDefect[],
  usage: LiveUsage,
): Report {
  const streamSeconds = summary.resumeState.lastStreamTime ?? 0;
  return {
    source,
    media: { duration: Math.round(streamSeconds * 1000) / 1000 },
    defects: [...closed],
    ...(summary.loudness && { loudness: summary.loudness }),
    stats: {
      videoFrames: summary.videoFrames,
      audioSeconds: summary.audioSeconds,
      wallSeconds: Math.round(summary.wallSeconds * 1000) / 1000,
      // A live source cannot be read faster than it is published: 1 means it kept up.
      realtimeFactor: summary.wallSeconds > 0 ? Math.min(1, summary.audioSeconds / summary.wallSeconds) : 0,
      // The job's, across its deliveries: what its status says too.
      cpuSeconds: usage.cpuSeconds,
      cpuSecondsPerMediaHour: usage.cpuSecondsPerMediaHour,
    },
  };
}

function keepLatest(defects: ClosedDefect[], defect: ClosedDefect): void {
  defects.push(defect);
  if (defects.length > MAX_REPORTED_DEFECTS) defects.shift();
}
