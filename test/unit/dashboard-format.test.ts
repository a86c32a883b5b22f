import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { type Defect, DefectType, FILE_DEFECT_TYPES } from "../../core-service/src/domain/defect.ts";
import { EVIDENCE_FORMATS, evidenceFormatFor } from "../../core-service/src/domain/evidence.ts";
import type { JobView } from "../../core-service/src/domain/job-projection.ts";

/** The page's own copy (plain JS, served as is), loaded as the browser loads it. */
const FORMAT_JS = fileURLToPath(
  new URL("../../core-service/src/server/dashboard/format.js", import.meta.url),
);
type PageFormat = {
  evidenceKind(defect: Pick<Defect, "type" | "metrics">): string;
  profileNote(job: Partial<Pick<JobView, "profile" | "escalated" | "escalations">>): string;
};

const shown = (defect: Pick<Defect, "type" | "metrics">): string => {
  const format = evidenceFormatFor(defect);
  if (format === undefined) return "none";
  return format === EVIDENCE_FORMATS.sound ? "sound" : "picture";
};

describe("the dashboard page", () => {
  it("name the same evidence as the domain for every defect type and both test signals", async () => {
    const page = (await import(pathToFileURL(FORMAT_JS).href)) as PageFormat;
    const defects: Pick<Defect, "type" | "metrics">[] = [
      ...DefectType.options.map((type) => ({ type, metrics: {} })),
      { type: "test-signal", metrics: { signal: "colour-bars" } },
      { type: "test-signal", metrics: { signal: "line-up-tone" } },
    ];

    for (const defect of defects)
      expect([defect, page.evidenceKind(defect)]).toEqual([defect, shown(defect)]);
    expect(shown({ type: "channel-loss", metrics: {} })).toBe("sound");
    expect(shown({ type: "test-signal", metrics: { signal: "line-up-tone" } })).toBe("sound");
    expect(shown({ type: "test-signal", metrics: { signal: "colour-bars" } })).toBe("picture");
    expect(shown({ type: "unwatched", metrics: {} })).toBe("none");
  });

  it("says on a live job's progress line when it runs in economy and when it decodes fully, and why", async () => {
    const page = (await import(pathToFileURL(FORMAT_JS).href)) as PageFormat;

    expect(page.profileNote({ profile: "full" })).toBe("");
    expect(page.profileNote({})).toBe("");
    expect(page.profileNote({ profile: "economy", escalated: false, escalations: { count: 2 } })).toBe(
      " (economy)",
    );
    expect(
      page.profileNote({
        profile: "economy",
        escalated: true,
        escalations: { count: 3, lastCause: "still" },
      }),
    ).toBe(" (economy, full decode: still)");
  });

  it("offers every detector on the submission form", () => {
    const html = readFileSync(join(dirname(FORMAT_JS), "index.html"), "utf8");
    const offered = [...html.matchAll(/name="detectors" value="([^"]+)"/g)].map((m) => m[1]);

    expect(offered).toEqual([...FILE_DEFECT_TYPES]);
  });
});
