import type { Defect, DetectorName } from "./defect.ts";
import type { AvmonEvent, AvmonEventOf, JobFailedDetail } from "./events.ts";
import type { JobMode, JobStatus } from "./job.ts";
import type { Report } from "./report.ts";

/** A defect as the job view shows it: the defect plus the alert it was published under. */
export type AlertedDefect = Defect & { alertId: string };

/** What `GET /v1/jobs/{id}` shows, built only from the job's events. */
export interface JobView {
  jobId: string;
  status: JobStatus;
  source?: string;
  mode?: JobMode;
  detectors?: DetectorName[];
  labels?: Record<string, string>;
  attempt: number;
  workerId?: string;
  /**
   * How far analysis has got, in seconds of media: the latest defect boundary seen while running, the media
   * duration once completed. `fraction` is only known at the end, since no event carries the duration earlier.
   */
  progress: { mediaSeconds: number; fraction: number | null };
  /** Defects so far, in onset order; a cleared defect carries its `end`. */
  defects: AlertedDefect[];
  summary?: Report;
  error?: JobFailedDetail["error"];
  acceptedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  updatedAt: string;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(["completed", "failed", "stopped"]);

/**
 * Folds one event into a job's view. Events arrive at least once and in any order, so every step is
 * idempotent (applying an event twice changes nothing) and monotonic: status only moves forward, except that
 * a retryable failure gives way to a later attempt.
 */
export function projectJob(view: JobView | undefined, event: AvmonEvent): JobView {
  const current = view ?? emptyView(event.detail.jobId, event.detail.occurredAt);
  return { ...applyEvent(current, event), updatedAt: later(current.updatedAt, event.detail.occurredAt) };
}

function applyEvent(view: JobView, event: AvmonEvent): JobView {
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
  const { source, mode, detectors, labels, occurredAt } = event.detail;
  return { ...view, source, mode, detectors, labels, acceptedAt: earlier(view.acceptedAt, occurredAt) };
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
  if (!TERMINAL.has(view.status)) return true;
  return view.status === "failed" && view.error?.retryable === true && isAfter(startedAt, view.finishedAt);
}

function onDefect(view: JobView, event: AvmonEventOf<"Defect Detected" | "Defect Cleared">): JobView {
  const { alertId, defect } = event.detail;
  const known = view.defects.find((d) => d.alertId === alertId);
  // An open defect must not overwrite its closed form when Defect Detected arrives after Defect Cleared.
  if (known?.end !== undefined && defect.end === undefined) return view;
  const defects = view.defects.filter((d) => d.alertId !== alertId);
  defects.push({ ...defect, alertId });
  defects.sort((a, b) => a.start - b.start || a.alertId.localeCompare(b.alertId));
  const mediaSeconds = Math.max(view.progress.mediaSeconds, defect.end ?? defect.start);
  return { ...view, defects, progress: { ...view.progress, mediaSeconds } };
}

function onCompleted(view: JobView, event: AvmonEventOf<"Job Completed">): JobView {
  if (TERMINAL.has(view.status) && !isRetryableFailure(view)) return view;
  const { summary, reason, occurredAt } = event.detail;
  const next: JobView = {
    ...view,
    status: reason === "stopped" ? "stopped" : "completed",
    summary,
    finishedAt: occurredAt,
    progress: { mediaSeconds: Math.max(view.progress.mediaSeconds, summary.media.duration), fraction: 1 },
  };
  delete next.error;
  return next;
}

function onFailed(view: JobView, event: AvmonEventOf<"Job Failed">): JobView {
  if (TERMINAL.has(view.status)) return view;
  const { error, occurredAt } = event.detail;
  return { ...view, status: "failed", error, finishedAt: occurredAt };
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
