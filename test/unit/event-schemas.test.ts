import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { withSummaryRef } from "../../core-service/src/domain/claim-check.ts";
import {
  AvmonEvent,
  alertId,
  DETAIL_TYPES,
  defectCleared,
  defectDetected,
  EVENT_SCHEMAS,
  eventJsonSchemas,
  InvalidEventError,
  jobAccepted,
  jobCompleted,
  jobFailed,
  jobStarted,
  parseAvmonEvent,
  schemaFileName,
} from "../../core-service/src/domain/events.ts";
import { aDefect, anOpenDefect, aReport, at } from "../support/avmon-events.ts";
import { schemaErrors } from "../support/json-schema-check.ts";

const schemasDir = new URL("../../core-service/schemas/", import.meta.url);

async function committedSchema(fileName: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(fileName, schemasDir), "utf8"));
}

const oneOfEach = [
  jobAccepted("job-1", {
    source: "s3://b/clip.mp4",
    mode: "file",
    detectors: ["black"],
    labels: { team: "qc" },
  }),
  jobStarted("job-1", { attempt: 1, workerId: "task-a" }),
  defectDetected("job-1", anOpenDefect()),
  defectCleared("job-1", aDefect()),
  defectDetected(
    "job-1",
    anOpenDefect({ type: "silence", metrics: { method: "rms", channels: ["FL", 2], floorDb: -60 } }),
  ),
  jobCompleted("job-1", aReport()),
  jobFailed("job-1", { code: "SOURCE_UNREACHABLE", message: "connection refused", retryable: true }),
];

describe("event JSON Schemas", () => {
  it("has exactly one committed schema file per detail-type", async () => {
    const files = (await readdir(schemasDir)).filter((f) => f.endsWith(".json")).sort();

    expect(files).toEqual(DETAIL_TYPES.map(schemaFileName).sort());
  });

  it.each(DETAIL_TYPES)(
    "keeps the committed %s schema in step with the zod schema (if not: npx tsx scripts/generate-event-schemas.ts)",
    async (detailType) => {
      const fileName = schemaFileName(detailType);

      expect(await committedSchema(fileName)).toEqual(eventJsonSchemas()[fileName]);
    },
  );

  it.each(oneOfEach.map((e) => [e["detail-type"], e] as const))(
    "builds a %s event that its committed JSON Schema and its zod schema accept",
    async (detailType, event) => {
      const wire = JSON.parse(JSON.stringify(event));
      const committed = (await committedSchema(schemaFileName(detailType))) as Record<string, unknown>;

      expect(schemaErrors(committed, wire)).toEqual([]);
      expect(EVENT_SCHEMAS[detailType].parse(wire)).toEqual(wire);
    },
  );

  it("rejects, by its committed JSON Schema, a metric that is neither a number, a text nor a list of them", async () => {
    const wire = JSON.parse(JSON.stringify(defectDetected("job-1", anOpenDefect())));
    wire.detail.defect.metrics.channels = [{ name: "FL" }];
    const committed = (await committedSchema("defect-detected.json")) as Record<string, unknown>;

    expect(schemaErrors(committed, wire)).toEqual([
      expect.stringMatching(/^\$\.detail\.defect\.metrics\.channels: matches none of anyOf/),
    ]);
  });

  it("accepts, by its committed JSON Schema, a Job Completed that carries a claim check instead of its report", async () => {
    const ref = {
      uri: "s3://avmon-ingest/events/claims/job-1/e.json",
      bytes: 300_000,
      sha256: "a".repeat(64),
    };
    const wire = JSON.parse(JSON.stringify(withSummaryRef(jobCompleted("job-1", aReport()), ref)));
    const committed = (await committedSchema("job-completed.json")) as Record<string, unknown>;

    expect(wire.detail).not.toHaveProperty("summary");
    expect(schemaErrors(committed, wire)).toEqual([]);
    expect(parseAvmonEvent(wire)).toEqual(wire);
  });

  it("rejects a Job Completed with neither a report nor a claim check, by both schemas", async () => {
    const wire = JSON.parse(JSON.stringify(jobCompleted("job-1", aReport())));
    delete wire.detail.summary;
    const committed = (await committedSchema("job-completed.json")) as Record<string, unknown>;

    expect(schemaErrors(committed, wire)).toEqual([
      expect.stringMatching(/^\$\.detail: matches none of anyOf/),
    ]);
    expect(() => parseAvmonEvent(wire)).toThrow(InvalidEventError);
  });

  it("rejects, by its committed JSON Schema, a Defect Detected without a defect type", async () => {
    const wire = JSON.parse(JSON.stringify(defectDetected("job-1", anOpenDefect())));
    delete wire.detail.defect.type;
    const committed = (await committedSchema("defect-detected.json")) as Record<string, unknown>;

    expect(schemaErrors(committed, wire)).toEqual(["$.detail.defect.type: required"]);
  });

  it("builds envelopes shaped like EventBridge's", () => {
    const event = jobStarted("job-1", { attempt: 2 }, at(5));

    expect(event).toMatchObject({
      version: "0",
      source: "avmon",
      "detail-type": "Job Started",
      time: "2025-01-01T12:00:05.000Z",
      resources: [],
      detail: { version: 1, jobId: "job-1", occurredAt: "2025-01-01T12:00:05.000Z", attempt: 2 },
    });
    expect(event.detail).not.toHaveProperty("workerId");
  });

  it("gives every envelope its own id", () => {
    const ids = new Set(oneOfEach.map((e) => e.id));

    expect(ids.size).toBe(oneOfEach.length);
  });
});

describe("alert ids", () => {
  it("gives the same defect published twice the same alertId", () => {
    const first = defectDetected("job-1", anOpenDefect(), at(1));
    const again = defectDetected("job-1", anOpenDefect(), at(9));

    expect(again.detail.alertId).toBe(first.detail.alertId);
    expect(again.id).not.toBe(first.id);
  });

  it("pairs a Defect Cleared with the Defect Detected of the same onset", () => {
    const opened = defectDetected("job-1", anOpenDefect({ start: 42.5 }));
    const closed = defectCleared("job-1", aDefect({ start: 42.5, end: 50 }));

    expect(closed.detail.alertId).toBe(opened.detail.alertId);
  });

  it("tells apart defects of another job, type or onset", () => {
    const base = alertId("job-1", { type: "freeze", start: 15 });

    expect(alertId("job-2", { type: "freeze", start: 15 })).not.toBe(base);
    expect(alertId("job-1", { type: "black", start: 15 })).not.toBe(base);
    expect(alertId("job-1", { type: "freeze", start: 15.04 })).not.toBe(base);
  });

  it("tells apart the same defect on two audio tracks", () => {
    const first = alertId("job-1", { type: "silence", start: 4, track: 1 });
    expect(alertId("job-1", { type: "silence", start: 4, track: 2 })).not.toBe(first);
    expect(alertId("job-1", { type: "silence", start: 4 })).not.toBe(first);
  });

  it("tells apart loudness defects of different measures that start together, not one measure's open and close", () => {
    const burst = { type: "loudness" as const, start: 10, metrics: { shortTerm: -5, aboveTarget: 18 } };
    const over = { type: "loudness" as const, start: 10, metrics: { truePeak: -0.5, maxTruePeak: -1 } };

    expect(alertId("job-1", burst)).not.toBe(alertId("job-1", over));
    expect(alertId("job-1", { ...burst, metrics: { shortTerm: -3, aboveTarget: 20 } })).toBe(
      alertId("job-1", burst),
    );
  });

  it("gives the other types' ids from job, type and onset only, whatever their metrics", () => {
    const freeze = { type: "freeze" as const, start: 15 };

    expect(alertId("job-1", { ...freeze, metrics: { meanDifference: 0.01 } })).toBe(alertId("job-1", freeze));
  });

  it("ignores float noise below a millisecond in the onset", () => {
    expect(alertId("job-1", { type: "freeze", start: 0.1 + 0.2 })).toBe(
      alertId("job-1", { type: "freeze", start: 0.3 }),
    );
  });
});

describe("event validation", () => {
  it("names the offending field of an invalid event", () => {
    const event = structuredClone(defectDetected("job-1", anOpenDefect()));
    (event.detail.defect as { type: string }).type = "purple";

    expect(() => parseAvmonEvent(event)).toThrow(InvalidEventError);
    expect(() => parseAvmonEvent(event)).toThrow(/detail\.defect\.type/);
  });

  it("rejects an unknown detail-type", () => {
    const event = { ...jobStarted("job-1", { attempt: 1 }), "detail-type": "Job Paused" };

    expect(AvmonEvent.safeParse(event).success).toBe(false);
  });
});
