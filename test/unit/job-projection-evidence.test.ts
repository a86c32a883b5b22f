import { describe, expect, it } from "vitest";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import {
  alertId,
  DefectDetectedEvent,
  defectCleared,
  defectDetected,
  jobCompleted,
  type ResolvedAvmonEvent,
} from "../../core-service/src/domain/events.ts";
import { EVIDENCE_FORMATS, evidenceKey, evidenceUrl } from "../../core-service/src/domain/evidence.ts";
import { locateEvidence } from "../../core-service/src/domain/evidence-location.ts";
import { type JobView, projectJob } from "../../core-service/src/domain/job-projection.ts";
import { MAX_VIEW_DEFECTS } from "../../core-service/src/domain/job-view-bounds.ts";
import { aDefect, anOpenDefect, aReport, at } from "../support/avmon-events.ts";

const JOB = "job-7";

function project(events: readonly ResolvedAvmonEvent[]): JobView | undefined {
  return events.reduce<JobView | undefined>((view, event) => projectJob(view, event), undefined);
}

function detectedWithEvidence() {
  const event = defectDetected(JOB, anOpenDefect({ type: "black", start: 3 }), at(4));
  event.detail.evidence = { thumbnail: evidenceUrl(JOB, event.detail.alertId), at: 3 };
  return event;
}

describe("evidence in the job view", () => {
  it("is a valid part of a Defect Detected event", () => {
    expect(DefectDetectedEvent.safeParse(detectedWithEvidence()).success).toBe(true);
  });

  it("stays on the defect when Defect Cleared follows, whichever of the two arrives first", () => {
    const detected = detectedWithEvidence();
    const cleared = defectCleared(JOB, aDefect({ type: "black", start: 3, end: 6 }), at(7));
    const expected = { alertId: detected.detail.alertId, end: 6, evidence: detected.detail.evidence };

    expect(project([detected, cleared])?.defects).toEqual([expect.objectContaining(expected)]);
    expect(project([cleared, detected])?.defects).toEqual([expect.objectContaining(expected)]);
  });

  it("is absent from defects published without any", () => {
    const view = project([defectDetected(JOB, anOpenDefect({ type: "freeze", start: 9 }), at(10))]);

    expect(view?.defects[0]).not.toHaveProperty("evidence");
  });

  it("is found for every defect of a long job: the latest in the bounded view, the earliest in the report", () => {
    const defects = Array.from({ length: MAX_VIEW_DEFECTS + 20 }, (_, i) =>
      aDefect({ type: "black", start: i * 10, end: i * 10 + 2 }),
    );
    const evidenceOf = (defect: Defect) => {
      const id = alertId(JOB, defect);
      return { thumbnail: evidenceUrl(JOB, id), at: defect.start };
    };
    const detected = defects.map((defect) => {
      const event = defectDetected(JOB, defect, at(defect.start));
      event.detail.evidence = evidenceOf(defect);
      return event;
    });
    const report = aReport(defects.map((defect) => ({ ...defect, evidence: evidenceOf(defect) })));

    const view = project([...detected, jobCompleted(JOB, report, at(4000))]);
    const [first, last] = [defects[0] as Defect, defects.at(-1) as Defect];

    expect(view?.defectsTruncated).toBe(true);
    expect(view?.defects.some((d) => d.alertId === alertId(JOB, first))).toBe(false);
    for (const defect of [first, last])
      expect(locateEvidence(view, alertId(JOB, defect))).toEqual({
        key: evidenceKey(JOB, alertId(JOB, defect), EVIDENCE_FORMATS.picture),
        format: EVIDENCE_FORMATS.picture,
      });
    expect(locateEvidence(view, alertId(JOB, aDefect({ type: "black", start: 5 })))).toBeUndefined();
  });

  it("is never looked for where a defect has nothing to show (unwatched), nor for an unsafe id", () => {
    const event = defectDetected(JOB, anOpenDefect({ type: "unwatched", start: 3 }), at(4));
    event.detail.evidence = { thumbnail: evidenceUrl(JOB, event.detail.alertId), at: 3 };
    const view = project([event]);

    expect(locateEvidence(view, event.detail.alertId)).toBeUndefined();
    expect(locateEvidence(view, "../etc")).toBeUndefined();
  });
});
