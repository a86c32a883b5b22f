/** The human-readable form of a report: what was analysed, each defect on a line, how fast. */
import type { Defect } from "../domain/defect.ts";
import { mediaTime } from "../domain/media-time.ts";
import type { Report } from "../domain/report.ts";

export function formatReportTable(report: Report): string {
  const lines = [`Source    ${report.source}`, `Media     ${describeMedia(report.media)}`];
  if (report.loudness) {
    const integrated =
      report.loudness.integrated === null ? "n/a" : `${report.loudness.integrated.toFixed(1)} LUFS`;
    lines.push(`Loudness  integrated ${integrated} (target ${report.loudness.target} LUFS)`);
  }
  lines.push("");
  if (report.defects.length === 0) lines.push("No defects found.");
  else {
    lines.push(`${report.defects.length} defect${report.defects.length === 1 ? "" : "s"}:`);
    const rows = report.defects.map(defectRow);
    const header = ["TYPE", "START", "END", "DURATION", "SEVERITY", "CONFIDENCE", "METRICS"];
    lines.push(...alignColumns([header, ...rows]).map((l) => `  ${l}`));
  }
  const { stats } = report;
  lines.push(
    "",
    `Analysed ${stats.videoFrames} frames and ${stats.audioSeconds.toFixed(1)} s of audio in ${stats.wallSeconds.toFixed(1)} s (${stats.realtimeFactor}× real time).`,
  );
  return `${lines.join("\n")}\n`;
}

function describeMedia(media: Report["media"]): string {
  const parts = [`${media.duration.toFixed(2)} s`];
  if (media.video) {
    const v = media.video;
    parts.push(`video ${v.codec} ${v.width}x${v.height} ${v.fps} fps`);
  } else parts.push("no video");
  if (media.audio) {
    const a = media.audio;
    parts.push(`audio ${a.codec} ${a.sampleRate} Hz ${a.channels} ch`);
  } else parts.push("no audio");
  return parts.join(" · ");
}

function defectRow(defect: Defect): string[] {
  const end = defect.end ?? defect.start;
  const metrics = Object.entries(defect.metrics)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(" ");
  return [
    defect.type,
    mediaTime(defect.start),
    mediaTime(end),
    `${(end - defect.start).toFixed(2)} s`,
    defect.severity,
    defect.confidence.toFixed(2),
    metrics,
  ];
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
