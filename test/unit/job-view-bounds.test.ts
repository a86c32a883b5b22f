import { describe, expect, it } from "vitest";
import { needsClaimCheck } from "../../core-service/src/domain/claim-check.ts";
import type { ClosedDefect, Defect } from "../../core-service/src/domain/defect.ts";
import {
  type DetailRef,
  defectCleared,
  defectDetected,
  jobAccepted,
  jobCompleted,
  MAX_INLINE_DETAIL_BYTES,
  type ResolvedAvmonEvent,
  type ResolvedJobCompletedEvent,
} from "../../core-service/src/domain/events.ts";
import { type JobView, projectJob } from "../../core-service/src/domain/job-projection.ts";
import { MAX_VIEW_DEFECTS } from "../../core-service/src/domain/job-view-bounds.ts";
import { aDefect, anOpenDefect, aReport, at } from "../support/avmon-events.ts";

const JOB = "job-bounded";
/** Over the inline limit, as a claim-checked report is by construction. */
const MANY = 3000;

function fold(events: readonly ResolvedAvmonEvent[]): JobView {
  return events.reduce<JobView | undefined>((view, event) => projectJob(view, event), undefined) as JobView;
}

function closedDefects(count: number, from = 0): ClosedDefect[] {
  return Array.from({ length: count }, (_, i) =>
    aDefect({ start: (from + i) * 10, end: (from + i) * 10 + 4 }),
  );
}

function aRef(name: string): DetailRef {
  return { uri: `s3://ingest/events/claims/${JOB}/${name}.json`, bytes: 300_000, sha256: "a".repeat(64) };
}

/** A Job Completed as the projector sees it once its claim check is followed: the report and where it was. */
function claimCheckedCompletion(
  defects: Defect[],
  ref: DetailRef,
  group?: string,
): ResolvedJobCompletedEvent {
  const event = jobCompleted(JOB, aReport(defects, 40_000), at(100));
  return { ...event, detail: { ...event.detail, summaryRef: ref, ...(group && { group }) } };
}

const acceptedInGroups = jobAccepted(
  JOB,
  {
    source: "s3://b/k",
    mode: "file",
    detectors: ["black", "silence"],
    labels: {},
    groups: ["video", "audio"],
  },
  at(0),
);

/** The same events in a fixed scrambled order (a stride through them), so the test is repeatable. */
function scrambled<T>(items: readonly T[]): T[] {
  const stride = 7919;
  return items.map((_, i) => items[(i * stride) % items.length] as T);
}

describe("a job view bounded to fit one DynamoDB item", () => {
  it("keeps the latest defects up to the bound and says earlier ones were left out", () => {
    const events = closedDefects(MAX_VIEW_DEFECTS + 20).map((d, i) => defectCleared(JOB, d, at(i)));

    const view = fold(events);

    expect(view.defects).toHaveLength(MAX_VIEW_DEFECTS);
    expect(view.defects[0]?.start).toBe(20 * 10);
    expect(view.defectsTruncated).toBe(true);
    expect(view.progress.mediaSeconds).toBe((MAX_VIEW_DEFECTS + 19) * 10 + 4);
  });

  it("shows the same bounded defects whatever order their events arrive in", () => {
    const defects = closedDefects(MAX_VIEW_DEFECTS + 50);
    const events = defects.flatMap((d, i) => [
      defectDetected(JOB, anOpenDefect({ start: d.start }), at(i)),
      defectCleared(JOB, d, at(i + 1)),
    ]);

    const inOrder = fold(events);
    const outOfOrder = fold(scrambled(events));

    expect(outOfOrder.defects).toEqual(inOrder.defects);
    expect(outOfOrder.defects.every((d) => d.end !== undefined)).toBe(true);
  });

  it("drops again an early defect whose event is replayed after later ones filled the view", () => {
    const defects = closedDefects(MAX_VIEW_DEFECTS + 1);
    const events = defects.map((d, i) => defectCleared(JOB, d, at(i)));
    const first = defects[0] as Defect;

    const view = fold([...events, defectDetected(JOB, anOpenDefect({ start: first.start }), at(900))]);

    expect(view.defects).toHaveLength(MAX_VIEW_DEFECTS);
    expect(view.defects.some((d) => d.start === first.start)).toBe(false);
  });

  it("stays under DynamoDB's 400 KB item at its bounds: a report just inline and more live defects than it keeps", () => {
    // A live defect as large as detectors make them: wall-clock times and several metrics.
    const fat = (i: number): ClosedDefect =>
      aDefect({
        type: "discontinuity",
        start: 86_400 + i * 1.25,
        end: 86_400 + i * 1.25 + 0.5,
        startedAt: at(i).toISOString(),
        endedAt: at(i + 1).toISOString(),
        metrics: { gapSeconds: 0.123, packetsLost: 1234, continuityErrors: 56, bitrateKbps: 4567.89 },
      });
    const detailBytes = (defects: Defect[]) =>
      Buffer.byteLength(JSON.stringify(jobCompleted(JOB, aReport(defects, 86_400), at(9)).detail));
    let fits = Math.floor(MAX_INLINE_DETAIL_BYTES / (detailBytes([fat(0), fat(1)]) - detailBytes([fat(0)])));
    const defects = (count: number) => Array.from({ length: count }, (_, i) => fat(i));
    while (detailBytes(defects(fits)) > MAX_INLINE_DETAIL_BYTES) fits--;
    while (detailBytes(defects(fits + 1)) <= MAX_INLINE_DETAIL_BYTES) fits++;
    const report = aReport(defects(fits), 86_400);
    const justInline = jobCompleted(JOB, report, at(999_999));
    expect(needsClaimCheck(justInline)).toBe(false);
    const live = Array.from({ length: 2 * MAX_VIEW_DEFECTS }, (_, i) => defectCleared(JOB, fat(i), at(i)));

    const view = fold([...live, justInline]);

    expect(view.summary).toEqual(report);
    // JSON spends at least as many bytes as DynamoDB's item size on these values (names, strings, numbers).
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(400 * 1024);
  });

  it("keeps the head of a claim-checked report and its claim check, not the whole report", () => {
    const ref = aRef("completed");

    const view = fold([claimCheckedCompletion(closedDefects(MANY), ref)]);

    expect(view.status).toBe("completed");
    expect(view.summary?.defects).toEqual(closedDefects(MAX_VIEW_DEFECTS));
    expect(view.summary?.media.duration).toBe(40_000);
    expect(view.summaryAbridged).toEqual({ defects: MANY, fullReports: [ref] });
    expect(view.progress).toEqual({ mediaSeconds: 40_000, fraction: 1 });
  });

  it("keeps a report that travelled inline whole", () => {
    const report = aReport(closedDefects(MAX_VIEW_DEFECTS + 1));

    const view = fold([jobCompleted(JOB, report, at(5))]);

    expect(view.summary).toEqual(report);
    expect(view).not.toHaveProperty("summaryAbridged");
  });

  it("merges detector groups' claim-checked reports into one abridged summary naming every claim check", () => {
    const video = claimCheckedCompletion(closedDefects(MANY), aRef("video"), "video");
    const audio = claimCheckedCompletion(closedDefects(MANY, MANY), aRef("audio"), "audio");

    const view = fold([acceptedInGroups, video, audio]);

    expect(view.status).toBe("completed");
    expect(view.summary?.defects).toHaveLength(MAX_VIEW_DEFECTS);
    expect(view.summaryAbridged).toEqual({ defects: 2 * MANY, fullReports: [aRef("video"), aRef("audio")] });
  });

  it("abridges groups' inline reports once merged they would pass the inline limit", () => {
    const half = Math.ceil(MANY / 2);
    const inline = (group: string, from: number) => {
      const event = jobCompleted(JOB, aReport(closedDefects(half, from)), at(9));
      event.detail.group = group;
      return event;
    };

    const view = fold([acceptedInGroups, inline("video", 0), inline("audio", half)]);

    expect(view.summary?.defects).toHaveLength(MAX_VIEW_DEFECTS);
    expect(view.summaryAbridged).toEqual({ defects: 2 * half, fullReports: [] });
  });
});
