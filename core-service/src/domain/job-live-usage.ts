import type { JobProgressDetail } from "./events.ts";
import type { LiveUsage } from "./job.ts";
import type { JobView } from "./job-projection.ts";

/** One detector group's latest usage and when it was taken. */
export type GroupUsage = LiveUsage & { at: string };

/**
 * Folds a Job Progress into a live job's view: the latest figures win, whatever order they arrive in. A job
 * fanned out to detector groups is followed by one worker per group, each with its own ffmpegs: the view keeps
 * each group's latest usage (`groupUsage`) and shows their sum (CPU, escalations) over the stream time the
 * furthest group watched.
 */
export function withProgress(view: JobView, detail: JobProgressDetail): JobView {
  const { live, occurredAt, group } = detail;
  if (group === undefined) {
    if (isNewer(view.liveAt, occurredAt)) return view;
    return { ...view, ...shown(live), liveAt: occurredAt };
  }
  if (isNewer(view.groupUsage?.[group]?.at, occurredAt)) return view;
  const groupUsage = { ...view.groupUsage, [group]: { ...live, at: occurredAt } };
  const latest = Object.values(groupUsage).reduce((a, b) => (Date.parse(b.at) > Date.parse(a.at) ? b : a));
  return { ...view, ...shown(summed(Object.values(groupUsage))), groupUsage, liveAt: latest.at };
}

function isNewer(known: string | undefined, occurredAt: string): boolean {
  return known !== undefined && Date.parse(known) >= Date.parse(occurredAt);
}

function shown(
  live: LiveUsage,
): Pick<JobView, "profile" | "escalated" | "escalations" | "cpuSeconds" | "cpuSecondsPerMediaHour"> {
  const { count, lastCause } = live.escalations;
  return {
    profile: live.profile,
    escalated: live.escalated,
    escalations: lastCause === undefined ? { count } : { count, lastCause },
    cpuSeconds: live.cpuSeconds,
    cpuSecondsPerMediaHour: live.cpuSecondsPerMediaHour,
  };
}

/**
 * The groups together: economy if any group is, escalated while any is, and the last cause of the group that
 * reported most recently among those that have escalated.
 */
function summed(groups: readonly GroupUsage[]): LiveUsage {
  const byTime = [...groups].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const cpuSeconds = sum(byTime.map((g) => g.cpuSeconds));
  const mediaSeconds = Math.max(0, ...byTime.map((g) => g.mediaSeconds));
  const lastCause = byTime.findLast((g) => g.escalations.lastCause !== undefined)?.escalations.lastCause;
  return {
    profile: byTime.some((g) => g.profile === "economy") ? "economy" : "full",
    escalated: byTime.some((g) => g.escalated),
    escalations: {
      count: sum(byTime.map((g) => g.escalations.count)),
      ...(lastCause !== undefined && { lastCause }),
    },
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    cpuSecondsPerMediaHour: mediaSeconds > 0 ? Math.round((cpuSeconds * 36000) / mediaSeconds) / 10 : 0,
    mediaSeconds,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
