/**
 * Where the image of one of a job's alerts is kept, as the job view records it. (Apart from evidence.ts, which
 * events.ts builds on: this needs events.ts's alertId.)
 */
import type { Defect } from "./defect.ts";
import { alertId as alertIdOf } from "./events.ts";
import { type EvidenceFormat, evidenceFormatFor, evidenceKey, isEvidenceId } from "./evidence.ts";
import type { JobView } from "./job-projection.ts";

export interface LocatedEvidence {
  readonly key: string;
  readonly format: EvidenceFormat;
}

/**
 * Where the image of one of a job's alerts is, if the job's events said it has one: the job view is the
 * record of what was produced, so neither endpoint has to probe storage for formats that were never written.
 * The view keeps the latest defects (job-view-bounds.ts); an earlier one is still found in the finished run's
 * report, whose defects carry their evidence and whose alert ids are derived from the job and the defect.
 */
export function locateEvidence(view: JobView | undefined, alertId: string): LocatedEvidence | undefined {
  if (!view || !isEvidenceId(view.jobId) || !isEvidenceId(alertId)) return undefined;
  const defect: (Defect & { evidence?: unknown }) | undefined =
    view.defects.find((d) => d.alertId === alertId) ??
    view.summary?.defects.find((d) => d.evidence && alertIdOf(view.jobId, d) === alertId);
  if (!defect?.evidence) return undefined;
  const format = evidenceFormatFor(defect);
  return format && { key: evidenceKey(view.jobId, alertId, format), format };
}
