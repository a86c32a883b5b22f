/** The human-readable form of a report: what was analysed, each defect on a line, how fast. */
import type { Defect, MetricValue } from "../domain/defect.ts";
import { mediaTime } from "../domain/media-time.ts";
import type { Report } from "../domain/report.ts";

export function formatReportTable(report: Report): string {
  const lines = [`Source    ${report.source}`, `Media     ${describeMedia(report.media)}`];
  if (report.loudness) lines.push(`Loudness  ${describeLoudness(report.loudness)}`);
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
    `Analysed ${stats.videoFrames} frames and ${stats.audioSeconds.toFixed(1)} s of audio in ${stats.wallSeconds.toFixed(1)} s (${stats.realtimeFactor}× real time)${cpuText(stats)}.`,
  );
  return `${lines.join("\n")}\n`;
}

function cpuText(stats: Report["stats"]): string {
  if (stats.cpuSeconds === undefined) return "";
  const perHour = stats.cpuSecondsPerMediaHour;
  return `, ${stats.cpuSeconds.toFixed(1)} CPU s${perHour === undefined ? "" : ` (${perHour.toFixed(0)} per media hour)`}`;
}

function describeLoudness(l: NonNullable<Report["loudness"]>): string {
  const figure = (value: number | null, unit: string) =>
    value === null ? "n/a" : `${value.toFixed(1)} ${unit}`;
  return [
    `integrated ${figure(l.integrated, "LUFS")} (target ${l.target} LUFS)`,
    `range ${figure(l.range, "LU")}`,
    `true peak ${figure(l.truePeak, "dBTP")}`,
    `max momentary ${figure(l.maxMomentary, "LUFS")}`,
    `max short-term ${figure(l.maxShortTerm, "LUFS")}`,
  ].join(" · ");
}

function describeMedia(media: Report["media"]): string {
  const parts = [`${media.duration.toFixed(2)} s`];
  if (media.video) {
    const v = media.video;
    parts.push(`video ${v.codec} ${v.width}x${v.height} ${v.fps} fps`);
  } else parts.push("no video");
  const tracks = media.audioTracks ?? (media.audio ? [media.audio] : []);
  if (tracks.length > 1) parts.push(`${tracks.length} audio tracks`);
  for (const a of tracks) parts.push(`audio ${a.codec} ${a.sampleRate} Hz ${a.channels} ch`);
  if (tracks.length === 0) parts.push("no audio");
  if (media.captions !== undefined) parts.push(media.captions ? "closed captions" : "no closed captions");
  return parts.join(" · ");
}

function defectRow(defect: Defect): string[] {
  const end = defect.end ?? defect.start;
  const metrics = Object.entries(defect.metrics)
    .map(([k, v]) => `${k}=${metricText(v)}`)
    .join(" ");
  return [
    defect.track === undefined ? defect.type : `${defect.type} (track ${defect.track})`,
    mediaTime(defect.start),
    mediaTime(end),
    `${(end - defect.start).toFixed(2)} s`,
    defect.severity,
    defect.confidence.toFixed(2),
    metrics,
  ];
}

/** 0.12345 → "0.123", ["FL", "FR"] → "FL,FR". */
function metricText(value: MetricValue): string {
  if (Array.isArray(value)) return value.join(",");
  return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(3) : String(value);
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
