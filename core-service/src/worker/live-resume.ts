import type { LiveResumeState, QueueMessage } from "../domain/job.ts";
import type { JobView } from "../domain/job-projection.ts";

export interface LiveStart {
  /** When the job first started watching, across hand-offs and redeliveries; max duration counts from here. */
  readonly watchingSince: Date;
  readonly resumeState: LiveResumeState | undefined;
}

/**
 * Where a live job picks up. A hand-off (continuation message, first delivery) carries the previous worker's
 * exact state. A redelivery after a crash has only the job's events: open defects are those detected and never cleared, so
 * they keep their alertIds. The dead worker's last media is estimated as the later of its last event and
 * `leaseSeconds` ago (its heartbeat kept the job hidden at most that long after it died), so the gap in
 * watching is reported without counting time it did watch.
 */
export function liveStartOf(
  delivery: { readonly message: QueueMessage; readonly receiveCount: number },
  view: JobView | undefined,
  leaseSeconds: number,
  now = new Date(),
): LiveStart {
  const continuation = delivery.message.continuation;
  // A continuation redelivered after a crash is stale: the events say what was announced since the hand-off.
  if (continuation && delivery.receiveCount === 1) {
    return { watchingSince: new Date(continuation.watchingSince), resumeState: continuation.resumeState };
  }
  const watchingSince = continuation ? new Date(continuation.watchingSince) : firstStart(view, now);
  if (!view || view.attempt === 0) return { watchingSince, resumeState: undefined };
  return { watchingSince, resumeState: resumeFromEvents(view, leaseSeconds, now) };
}

function resumeFromEvents(view: JobView, leaseSeconds: number, now: Date): LiveResumeState {
  const openDefects = view.defects
    .filter((d) => d.end === undefined)
    .map(({ alertId, ...defect }) => ({ alertId, defect }));
  const lastEventMs = Date.parse(view.updatedAt);
  const lastSeenMs = Math.min(now.getTime(), Math.max(lastEventMs, now.getTime() - leaseSeconds * 1000));
  // A live stream's clock runs with the wall clock, so the stream time moves on with the estimate.
  const lastStreamTime = view.progress.mediaSeconds + Math.max(0, (lastSeenMs - lastEventMs) / 1000);
  return {
    openDefects,
    lastStreamTime: view.progress.mediaSeconds > 0 ? lastStreamTime : undefined,
    lastSeenAt: new Date(lastSeenMs).toISOString(),
    timelineOffsets: { video: 0, audio: 0 },
  };
}

function firstStart(view: JobView | undefined, now: Date): Date {
  const accepted = view?.acceptedAt ?? view?.startedAt;
  return accepted ? new Date(Math.min(Date.parse(accepted), now.getTime())) : now;
}

/** Seconds left of the job's maximum duration; undefined when it has none. Never negative. */
export function remainingSeconds(
  maxDurationSeconds: number | undefined,
  watchingSince: Date,
  now = new Date(),
): number | undefined {
  if (maxDurationSeconds === undefined) return undefined;
  return Math.max(0, maxDurationSeconds - (now.getTime() - watchingSince.getTime()) / 1000);
}
