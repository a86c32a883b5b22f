/**
 * How large a job view may grow. On AWS the view is one DynamoDB item, and an item holds at most 400 KB; two of
 * its parts grow with the media, so both are bounded:
 * - the defects list keeps the latest MAX_VIEW_DEFECTS by onset (what a live job's watchers look at). The
 *   latest N of every defect seen is the same whatever order their events arrive in, and an old event replayed
 *   or redelivered late falls out again, so folding stays idempotent and order-free. (Sparing open defects
 *   would not: a late Defect Detected of a defect already cleared and dropped would come back as open.);
 * - a summary larger than an event may carry inline (a claim-checked report, or groups' reports merged) keeps
 *   its first MAX_VIEW_DEFECTS defects and says how many the whole holds and where it is kept (the claim checks).
 * So a view holds at most MAX_INLINE_DETAIL_BYTES of summary plus MAX_VIEW_DEFECTS defects, well under 400 KB.
 */
import type { Defect } from "./defect.ts";
import { type DetailRef, MAX_INLINE_DETAIL_BYTES } from "./events.ts";
import type { Report } from "./report.ts";

export const MAX_VIEW_DEFECTS = 300;

/** Present when a view's summary is not the whole report. */
export interface SummaryAbridgement {
  /** How many defects the whole report holds; the summary lists its first MAX_VIEW_DEFECTS. */
  defects: number;
  /** Where the whole reports are kept: one claim check per claim-checked Job Completed folded in. */
  fullReports: DetailRef[];
}

export interface ViewSummary {
  summary: Report;
  summaryAbridged?: SummaryAbridgement;
}

/** A finished run's report as the view keeps it; `ref` is where it was kept when it was claim-checked. */
export function viewSummary(report: Report, ref: DetailRef | undefined): ViewSummary {
  return bounded(report, report.defects.length, ref ? [ref] : []);
}

/** Two detector groups' summaries as one: each group reports only its own detectors' defects. */
export function mergeViewSummaries(soFar: ViewSummary | undefined, next: ViewSummary): ViewSummary {
  if (!soFar) return next;
  const defects = [...soFar.summary.defects, ...next.summary.defects].sort(byOnset);
  return bounded({ ...next.summary, defects }, totalDefects(soFar) + totalDefects(next), [
    ...(soFar.summaryAbridged?.fullReports ?? []),
    ...(next.summaryAbridged?.fullReports ?? []),
  ]);
}

/** The latest MAX_VIEW_DEFECTS of `defects` in onset order, and whether earlier ones were left out. */
export function latestDefects<T extends Defect & { alertId: string }>(
  defects: readonly T[],
): { defects: T[]; truncated: boolean } {
  const sorted = [...defects].sort((a, b) => byOnset(a, b) || a.alertId.localeCompare(b.alertId));
  return { defects: sorted.slice(-MAX_VIEW_DEFECTS), truncated: sorted.length > MAX_VIEW_DEFECTS };
}

function bounded(summary: Report, defects: number, fullReports: DetailRef[]): ViewSummary {
  const whole = defects === summary.defects.length && fullReports.length === 0;
  if (whole && Buffer.byteLength(JSON.stringify(summary), "utf8") <= MAX_INLINE_DETAIL_BYTES)
    return { summary };
  const first = [...summary.defects].sort(byOnset).slice(0, MAX_VIEW_DEFECTS);
  return { summary: { ...summary, defects: first }, summaryAbridged: { defects, fullReports } };
}

function totalDefects(part: ViewSummary): number {
  return part.summaryAbridged?.defects ?? part.summary.defects.length;
}

function byOnset(a: Pick<Defect, "start">, b: Pick<Defect, "start">): number {
  return a.start - b.start;
}
