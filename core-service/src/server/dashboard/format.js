/** Formatting shared by the dashboard's views. */

export const TERMINAL = new Set(["completed", "failed", "stopped"]);

/** Defects whose evidence is a sound-level strip rather than a picture (as domain/evidence.ts decides). */
const SOUND_DEFECTS = new Set(["silence", "clipping", "loudness", "audio-loss", "channel-loss", "phase"]);
/** Defects with nothing to show: no part of the source was decoded there (domain/evidence.ts). */
const NOTHING_TO_SHOW = new Set(["unwatched"]);

/**
 * What a defect's evidence is: "sound" (a level strip), "picture", or "none" when there cannot be any. The page
 * cannot import the TypeScript domain, so this repeats `evidenceFormatFor`; test/unit/dashboard-format.test.ts
 * holds the two together for every defect type.
 */
export function evidenceKind(defect) {
  if (NOTHING_TO_SHOW.has(defect.type)) return "none";
  const tone = defect.type === "test-signal" && defect.metrics?.signal === "line-up-tone";
  return SOUND_DEFECTS.has(defect.type) || tone ? "sound" : "picture";
}

/** A defect's type, with its audio track when the source has several ("silence, track 2"). */
export function defectName(defect) {
  return defect.track === undefined ? defect.type : `${defect.type}, track ${defect.track}`;
}

/** Media seconds as m:ss.s (or h:mm:ss past an hour). */
/** How a live job is decoded, for its progress line: nothing under `full`, and under economy whether it decodes fully now. */
export function profileNote(job) {
  if (job.profile !== "economy") return "";
  return job.escalated
    ? ` (economy, full decode: ${job.escalations?.lastCause ?? "escalated"})`
    : " (economy)";
}

export function mediaTime(seconds) {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return "…";
  const s = Math.max(0, seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (hours > 0) return `${hours}:${pad(minutes)}:${pad(Math.floor(s % 60))}`;
  return `${minutes}:${(s % 60).toFixed(1).padStart(4, "0")}`;
}

/** A defect's interval, open-ended while it lasts. */
export function interval(defect) {
  return `${mediaTime(defect.start)}–${defect.end === undefined ? "…" : mediaTime(defect.end)}`;
}

export function clockTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** The last part of a path or URL, which is what tells sources apart in a list. */
export function shortSource(source) {
  if (!source) return "(source not known yet)";
  const trimmed = source.replace(/[?#].*$/, "").replace(/\/+$/, "");
  const last = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  return last || source;
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
export function svgElement(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** Sets text only when it changed, so unchanged rows cost no layout work. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function pad(n) {
  return String(n).padStart(2, "0");
}
