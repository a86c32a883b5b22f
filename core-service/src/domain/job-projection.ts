import type { Defect, DetectorName } from "./defect.ts";
import type {
  AvmonEventOf,
  CompletionReason,
  JobFailedDetail,
  ResolvedAvmonEvent,
  ResolvedJobCompletedEvent,
} from "./events.ts";
import type { Evidence } from "./evidence.ts";
import { type EscalationCause, isTerminal, type JobMode, type JobStatus, type LiveProfile } from "./job.ts";
import { type GroupUsage, withProgress } from "./job-live-usage.ts";
import {
  latestDefects,
  mergeViewSummaries,
  type SummaryAbridgement,
  type ViewSummary,
  viewSummary,
} from "./job-view-bounds.ts";
import type { Report } from "./report.ts";

/** A defect as the job view shows it: the defect plus the alert it was published under, and its evidence. */
export type AlertedDefect = Defect & { alertId: string; evidence?: Evidence };

/** What `GET /v1/jobs/{id}` shows, built only from the job's events. */
export interface JobView {
  jobId: string;
  status: JobStatus;
  source?: string;
  mode?: JobMode;
  detectors?: DetectorName[];
  labels?: Record<string, string>;
  /** Detector groups the job was fanned out to (from Job Accepted); absent when one worker runs it all. */
  groups?: string[];
  /** Groups whose Job Completed has arrived, while the job waits for the others. */
  completedGroups?: GroupCompletion[];
  attempt: number;
  workerId?: string;
  /**
   * How far analysis has got, in seconds of media: the latest defect boundary seen while running, the media
   * duration once completed. `fraction` is only known at the end, since no event carries the duration earlier.
   */
  progress: { mediaSeconds: number; fraction: number | null };
  /**
   * Defects so far, in onset order; a cleared defect carries its `end`. At most MAX_VIEW_DEFECTS, the latest:
   * `defectsTruncated` says earlier ones were left out (they are in the report and in their events).
   */
  defects: AlertedDefect[];
  defectsTruncated?: boolean;
  /** The report; abridged when too large to keep whole (see job-view-bounds.ts). */
  summary?: Report;
  summaryAbridged?: SummaryAbridgement;
  error?: JobFailedDetail["error"];
  /** Live jobs, from their latest Job Progress: the decode profile, and under economy whether it decodes fully now. */
  profile?: LiveProfile;
  escalated?: boolean;
  /** Times the stream went to full decode, and why it last did. */
  escalations?: { count: number; lastCause?: EscalationCause };
  /** What the live job has cost so far: its ffmpegs and its share of the worker's process (media/cpu-meter.ts). */
  cpuSeconds?: number;
  cpuSecondsPerMediaHour?: number;
  /** When the live figures above were taken. */
  liveAt?: string;
  /** A live job fanned out to detector groups: each group's own figures; the ones above are their sum. */
  groupUsage?: Record<string, GroupUsage>;
  acceptedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  updatedAt: string;
}

export interface GroupCompletion {
  group: string;
  reason: CompletionReason;
  at: string;
}

/**
 * Folds one event into a job's view. Events arrive at least once and in any order, so every step is
 * idempotent (applying an event twice changes nothing) and monotonic: status only moves forward, except that
 * a retryable failure gives way to a later attempt. A claim-checked Job Completed must have been followed
 * (`followClaimCheck`) first: the view keeps the report's head and the claim check, not the whole report.
 */
export function projectJob(view: JobView | undefined, event: ResolvedAvmonEvent): JobView {
  const current = view ?? emptyView(event.detail.jobId, event.detail.occurredAt);
  return { ...applyEvent(current, event), updatedAt: later(current.updatedAt, event.detail.occurredAt) };
}

function applyEvent(view: JobView, event: ResolvedAvmonEvent): JobView {
  switch (event["detail-type"]) {
    case "Job Accepted":
      return onAccepted(view, event);
    case "Job Started":
      return onStarted(view, event);
    case "Defect Detected":
    case "Defect Cleared":
      return onDefect(view, event);
    case "Job Completed":
      return onCompleted(view, event);
    case "Job Failed":
      return onFailed(view, event);
    case "Job Progress":
      return onProgress(view, event);
  }
}

function emptyView(jobId: string, at: string): JobView {
  return {
    jobId,
    status: "queued",
    attempt: 0,
    progress: { mediaSeconds: 0, fraction: null },
    defects: [],
    updatedAt: at,
  };
}

function onAccepted(view: JobView, event: AvmonEventOf<"Job Accepted">): JobView {
  const { source, mode, detectors, labels, groups, occurredAt } = event.detail;
  const next: JobView = {
    ...view,
    source,
    mode,
    detectors,
    labels,
    acceptedAt: earlier(view.acceptedAt, occurredAt),
  };
  if (groups !== undefined) next.groups = [...groups].sort();
  // Groups may all have completed before Job Accepted arrived: only now is it known that none is missing.
  return isAwaitingGroups(next) && allGroupsCompleted(next) ? finishFromGroups(next) : next;
}

function onStarted(view: JobView, event: AvmonEventOf<"Job Started">): JobView {
  const { attempt, workerId, occurredAt } = event.detail;
  if (attempt < view.attempt || !canRestart(view, occurredAt)) return view;
  const next: JobView = { ...view, status: "running", attempt, startedAt: later(view.startedAt, occurredAt) };
  if (view.status === "failed") {
    delete next.error;
    delete next.finishedAt;
  }
  if (workerId !== undefined) next.workerId = workerId;
  return next;
}

/** A job that has ended stays ended, unless it failed in a way a retry can fix and a later run began. */
function canRestart(view: JobView, startedAt: string): boolean {
  if (!isTerminal(view.status)) return true;
  return view.status === "failed" && view.error?.retryable === true && isAfter(startedAt, view.finishedAt);
}

function onDefect(view: JobView, event: AvmonEventOf<"Defect Detected" | "Defect Cleared">): JobView {
  const { alertId, defect } = event.detail;
  const known = view.defects.find((d) => d.alertId === alertId);
  // Only Defect Detected carries evidence; the defect keeps it through Defect Cleared, whichever comes first.
  const evidence = "evidence" in event.detail ? event.detail.evidence : undefined;
  const kept = evidence ?? known?.evidence;
  // An open defect must not overwrite its closed form when Defect Detected arrives after Defect Cleared.
  if (known?.end !== undefined && defect.end === undefined) {
    return kept === known.evidence ? view : withDefect(view, { ...known, evidence: kept });
  }
  return withDefect(view, { ...defect, alertId, ...(kept && { evidence: kept }) });
}

/** The view with `defect` in place of its earlier form, the defects list bounded (job-view-bounds.ts). */
function withDefect(view: JobView, defect: AlertedDefect): JobView {
  const { defects, truncated } = latestDefects([
    ...view.defects.filter((d) => d.alertId !== defect.alertId),
    defect,
  ]);
  const mediaSeconds = Math.max(view.progress.mediaSeconds, defect.end ?? defect.start);
  const next: JobView = { ...view, defects, progress: { ...view.progress, mediaSeconds } };
  if (truncated) next.defectsTruncated = true;
  return next;
}

function onCompleted(view: JobView, event: ResolvedJobCompletedEvent): JobView {
  if (isTerminal(view.status) && !isRetryableFailure(view)) return view;
  const { summary, summaryRef, reason = "end-of-source", occurredAt, group } = event.detail;
  const kept = viewSummary(summary, summaryRef);
  if (group === undefined) return finish(view, kept, reason, occurredAt);
  if (view.completedGroups?.some((c) => c.group === group)) return view;
  const next: JobView = withSummary(
    { ...view, completedGroups: [...(view.completedGroups ?? []), { group, reason, at: occurredAt }] },
    mergeViewSummaries(summaryOf(view), kept),
  );
  return allGroupsCompleted(next) ? finishFromGroups(next) : next;
}

function summaryOf(view: JobView): ViewSummary | undefined {
  return view.summary && { summary: view.summary, summaryAbridged: view.summaryAbridged };
}

function withSummary(view: JobView, { summary, summaryAbridged }: ViewSummary): JobView {
  const next: JobView = { ...view, summary };
  if (summaryAbridged) next.summaryAbridged = summaryAbridged;
  else delete next.summaryAbridged;
  return next;
}

/**
 * A fanned-out job is complete once every group it went to has completed. Until Job Accepted says which groups
 * those are, it cannot be; an accepted job that names no groups completes with its first group, as before.
 */
function allGroupsCompleted(view: JobView): boolean {
  if (view.acceptedAt === undefined) return false;
  const done = new Set(view.completedGroups?.map((c) => c.group));
  return (view.groups ?? [...done]).every((group) => done.has(group));
}

function isAwaitingGroups(view: JobView): boolean {
  return (view.completedGroups?.length ?? 0) > 0 && (!isTerminal(view.status) || isRetryableFailure(view));
}

function finishFromGroups(view: JobView): JobView {
  const completions = view.completedGroups ?? [];
  const reason = completions.some((c) => c.reason === "stopped") ? "stopped" : "end-of-source";
  const at = completions.map((c) => c.at).reduce((a, b) => later(a, b));
  const summary = summaryOf(view);
  return summary ? finish(view, summary, reason, at) : view;
}

function finish(view: JobView, kept: ViewSummary, reason: CompletionReason, at: string): JobView {
  const { duration } = kept.summary.media;
  const next: JobView = withSummary(
    {
      ...view,
      status: reason === "stopped" ? "stopped" : "completed",
      finishedAt: at,
      progress: { mediaSeconds: Math.max(view.progress.mediaSeconds, duration), fraction: 1 },
    },
    kept,
  );
  delete next.error;
  return next;
}

function onFailed(view: JobView, event: AvmonEventOf<"Job Failed">): JobView {
  if (isTerminal(view.status)) return view;
  const { error, occurredAt } = event.detail;
  return { ...view, status: "failed", error, finishedAt: occurredAt };
}

/** Live figures never change the job's status (job-live-usage.ts). */
function onProgress(view: JobView, event: AvmonEventOf<"Job Progress">): JobView {
  const mediaSeconds = Math.max(view.progress.mediaSeconds, event.detail.streamTime ?? 0);
  return withProgress({ ...view, progress: { ...view.progress, mediaSeconds } }, event.detail);
}

function isRetryableFailure(view: JobView): boolean {
  return view.status === "failed" && view.error?.retryable === true;
}

function isAfter(a: string, b: string | undefined): boolean {
  return b === undefined || Date.parse(a) > Date.parse(b);
}

function later(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) >= Date.parse(b) ? a : b;
}

function earlier(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) <= Date.parse(b) ? a : b;
}
