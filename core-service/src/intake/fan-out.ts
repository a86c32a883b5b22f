import { type DetectorName, FILE_DEFECT_TYPES } from "../domain/defect.ts";
import type { JobAcceptedDetail } from "../domain/events.ts";
import type { JobRequest, QueueMessage } from "../domain/job.ts";
import type { JobQueue } from "../ports/job-queue.ts";

/** Where jobs go: one detector group's queue and the detectors its workers run. */
export interface IntakeTarget {
  /** The group's name, stamped on Job Accepted; absent when one worker runs every job (the local stack). */
  readonly group?: string;
  readonly detectors: readonly DetectorName[];
  readonly queue: Pick<JobQueue, "send">;
}

export interface Dispatch {
  readonly target: IntakeTarget;
  readonly message: QueueMessage;
}

/**
 * One queue message per target that runs any of the wanted detectors, carrying only that target's share of
 * the detectors and thresholds. Empty when no target runs any of them.
 */
export function fanOut(jobId: string, request: JobRequest, targets: readonly IntakeTarget[]): Dispatch[] {
  const wanted = new Set<DetectorName>(request.detectors ?? FILE_DEFECT_TYPES);
  const dispatches: Dispatch[] = [];
  for (const target of targets) {
    const detectors = target.detectors.filter((d) => wanted.has(d));
    if (detectors.length === 0) continue;
    const thresholds = Object.fromEntries(
      Object.entries(request.thresholds ?? {}).filter(([name]) => detectors.includes(name as DetectorName)),
    );
    dispatches.push({
      target,
      message: {
        version: 1,
        jobId,
        source: request.source,
        mode: request.mode,
        detectors,
        thresholds,
        labels: request.labels ?? {},
        ...(request.live && { live: request.live }),
      },
    });
  }
  return dispatches;
}

/** What `Job Accepted` announces: the detectors the job will actually run and, when named, the groups. */
export function acceptedDetail(
  request: JobRequest,
  dispatches: readonly Dispatch[],
): Omit<JobAcceptedDetail, "version" | "jobId" | "occurredAt"> {
  const groups = dispatches.flatMap((d) => (d.target.group === undefined ? [] : [d.target.group]));
  return {
    source: request.source,
    mode: request.mode,
    detectors: dispatches.flatMap((d) => d.message.detectors),
    labels: request.labels ?? {},
    ...(groups.length > 0 && { groups }),
  };
}
