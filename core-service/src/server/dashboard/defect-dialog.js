import { defectName, element, evidenceKind, interval, mediaTime, shortSource } from "./format.js";

/** The details of one defect, with its evidence image at full tile size; a native modal dialog (Esc closes). */
export class DefectDialog {
  #dialog;
  #invoker = null;

  constructor(dialog) {
    this.#dialog = dialog;
    dialog.querySelector("#defect-close").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      this.#invoker?.focus();
      this.#invoker = null;
    });
  }

  open(job, defect, invoker) {
    this.#invoker = invoker;
    const dialog = this.#dialog;
    dialog.querySelector("#defect-title").textContent = `${defectName(defect)} · ${defect.severity}`;
    const frame = dialog.querySelector("#defect-evidence");
    const caption = dialog.querySelector("#defect-evidence-caption");
    const url = defect.evidence?.thumbnail;
    if (url) {
      // The URL names the alert, not the format: the defect's type says which the image is.
      const kind = evidenceKind(defect) === "sound" ? "Sound level" : "Picture";
      frame.replaceChildren(
        element("img", {
          src: url,
          alt: `${kind} at ${mediaTime(defect.evidence.at)} of ${shortSource(job.source)}`,
        }),
      );
      caption.replaceChildren(
        document.createTextNode(`At ${mediaTime(defect.evidence.at)}. `),
        element("a", { href: url, target: "_blank", rel: "noopener", text: "Open the image" }),
      );
    } else {
      frame.replaceChildren(element("span", { text: missingEvidence(defect) }));
      caption.textContent = "";
    }
    const facts = [
      ["Job", job.source ?? job.jobId],
      ["When", interval(defect)],
      ["Duration", defect.end === undefined ? "still open" : `${(defect.end - defect.start).toFixed(2)} s`],
      ["Confidence", `${Math.round((defect.confidence ?? 0) * 100)} %`],
      ...(defect.startedAt ? [["Started at", new Date(defect.startedAt).toLocaleString()]] : []),
      ...Object.entries(defect.metrics ?? {}).map(([name, value]) => [name, formatMetric(value)]),
      ["Alert id", defect.alertId],
    ];
    dialog
      .querySelector("#defect-facts")
      .replaceChildren(
        ...facts.flatMap(([term, value]) => [element("dt", { text: term }), element("dd", { text: value })]),
      );
    dialog.showModal();
  }
}

function missingEvidence(defect) {
  return evidenceKind(defect) === "none"
    ? "No evidence image: this part of the source could not be fetched, so nothing of it was decoded."
    : "No evidence image for this defect.";
}

function formatMetric(value) {
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value !== "number") return String(value);
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
