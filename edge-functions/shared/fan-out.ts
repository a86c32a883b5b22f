import { type DetectorName, FILE_DEFECT_TYPES } from "../../core-service/src/domain/defect.ts";
import type { JobRequest, QueueMessage } from "../../core-service/src/domain/job.ts";
import type { GroupQueue } from "./env.ts";

export interface Dispatch {
  readonly group: string;
  readonly queueUrl: string;
  readonly message: QueueMessage;
}

/**
 * One queue message per detector group that runs any of the wanted detectors, carrying only that group's
 * share of the detectors and thresholds. Empty when no deployed group runs any of them.
 */
export function fanOut(jobId: string, request: JobRequest, groups: readonly GroupQueue[]): Dispatch[] {
  const wanted = new Set<DetectorName>(request.detectors ?? FILE_DEFECT_TYPES);
  const dispatches: Dispatch[] = [];
  for (const group of groups) {
    const detectors = group.detectors.filter((d) => wanted.has(d));
    if (detectors.length === 0) continue;
    const thresholds = Object.fromEntries(
      Object.entries(request.thresholds ?? {}).filter(([name]) => detectors.includes(name as DetectorName)),
    );
    dispatches.push({
      group: group.name,
      queueUrl: group.queueUrl,
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

/** The detectors a job will actually run across all groups (what `Job Accepted` announces). */
export function detectorsOf(dispatches: readonly Dispatch[]): DetectorName[] {
  return dispatches.flatMap((d) => d.message.detectors);
}

/** The groups a job went to: its Job Completed is final once each of them has reported. */
export function groupsOf(dispatches: readonly Dispatch[]): string[] {
  return dispatches.map((d) => d.group);
}
