import { describe, expect, it } from "vitest";
import {
  type AvmonEvent,
  DefectDetectedEvent,
  defectCleared,
  defectDetected,
} from "../../core-service/src/domain/events.ts";
import { evidenceUrl } from "../../core-service/src/domain/evidence.ts";
import { type JobView, projectJob } from "../../core-service/src/domain/job-projection.ts";
import { aDefect, anOpenDefect, at } from "../support/avmon-events.ts";

const JOB = "job-7";

function project(events: readonly AvmonEvent[]): JobView | undefined {
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
});
