import { describe, expect, it } from "vitest";
import { formatReportTable } from "../../core-service/src/cli/report-table.ts";
import type { Report } from "../../core-service/src/domain/report.ts";

function report(captions: boolean | undefined): Report {
  return {
    source: "clip.ts",
    media: {
      duration: 60,
      video: { codec: "h264", width: 1920, height: 1080, fps: 29.97 },
      ...(captions !== undefined && { captions }),
    },
    defects: [
      {
        type: "captions-lost",
        start: 9.96,
        end: 50,
        severity: "major",
        confidence: 1,
        metrics: { duration: 40.04, programmeSeconds: 40.04 },
      },
    ],
    stats: { videoFrames: 1798, audioSeconds: 60, wallSeconds: 2, realtimeFactor: 30 },
  };
}

describe("the report table", () => {
  it("says on the media line whether the video carries closed captions, when they were looked for", () => {
    const mediaLine = (r: Report) => formatReportTable(r).split("\n")[1] ?? "";
    expect(mediaLine(report(true))).toMatch(/· closed captions$/);
    expect(mediaLine(report(false))).toMatch(/· no closed captions$/);
    expect(mediaLine(report(undefined))).not.toMatch(/captions/);
  });

  it("lists a captions-lost defect with its onset, end and metrics", () => {
    expect(formatReportTable(report(true))).toMatch(
      /captions-lost\s+00:09\.96\s+00:50\.00\s+40\.04 s\s+major\s+1\.00\s+duration=40\.040 programmeSeconds=40\.040/,
    );
  });

  it("says what the analysis cost in CPU when it was measured", () => {
    const measured = {
      ...report(true),
      stats: { ...report(true).stats, cpuSeconds: 2.5, cpuSecondsPerMediaHour: 150 },
    };
    expect(formatReportTable(measured)).toMatch(/\(30× real time\), 2\.5 CPU s \(150 per media hour\)\.$/m);
    expect(formatReportTable(report(true))).toMatch(/\(30× real time\)\.$/m);
  });
});
