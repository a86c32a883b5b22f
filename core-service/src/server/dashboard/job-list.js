import {
  clockTime,
  defectName,
  element,
  evidenceKind,
  interval,
  mediaTime,
  profileNote,
  setText,
  shortSource,
  svgElement,
  TERMINAL,
} from "./format.js";

const TIMELINE_WIDTH = 1000;

/**
 * The jobs, newest first: one row each with status, progress, a timeline of its defects and a card per defect.
 * Rows are keyed by job and updated in place, so focus stays put and nothing moves when an event arrives.
 */
export class JobList {
  #list;
  #empty;
  #actions;
  #rows = new Map();

  constructor(list, empty, actions) {
    this.#list = list;
    this.#empty = empty;
    this.#actions = actions;
  }

  render(jobs, levelsOf) {
    const wanted = new Set(jobs.map((job) => job.jobId));
    for (const [jobId, row] of this.#rows) {
      if (!wanted.has(jobId)) {
        row.root.remove();
        this.#rows.delete(jobId);
      }
    }
    let previous = null;
    for (const job of jobs) {
      const row = this.#rows.get(job.jobId) ?? this.#createRow(job.jobId);
      updateRow(row, job, levelsOf(job.jobId), this.#actions);
      const expectedNext = previous ? previous.nextSibling : this.#list.firstChild;
      if (row.root !== expectedNext) this.#list.insertBefore(row.root, expectedNext);
      previous = row.root;
    }
    this.#empty.hidden = jobs.length > 0;
  }

  #createRow(jobId) {
    const badge = element("span", { className: "badge" });
    const source = element("span", { className: "job-source" });
    const meta = element("span", { className: "job-meta" });
    const stop = element("button", { type: "button", className: "stop", text: "Stop" });
    stop.addEventListener("click", () => this.#actions.stop(jobId, stop));
    const progress = element("progress", { max: "1" });
    const progressText = element("span", { className: "progress-text" });
    const track = svgElement("rect", { class: "track", x: 0, y: 5, width: TIMELINE_WIDTH, height: 4 });
    const done = svgElement("rect", { class: "done", x: 0, y: 5, width: 0, height: 4 });
    const marks = svgElement("g");
    const timeline = svgElement("svg", {
      viewBox: `0 0 ${TIMELINE_WIDTH} 14`,
      preserveAspectRatio: "none",
      "aria-hidden": "true",
      focusable: "false",
    });
    timeline.append(track, done, marks);
    const defects = element("ol", { className: "defects" });
    const note = element("p", { className: "defects-note" });
    const root = element(
      "li",
      { className: "job", id: `job-${jobId}`, "data-job-id": jobId },
      element("div", { className: "job-head" }, badge, source, meta, stop),
      element("div", { className: "job-progress" }, progress, progressText),
      element("div", { className: "timeline" }, timeline),
      defects,
      note,
    );
    const row = {
      root,
      badge,
      source,
      meta,
      stop,
      progress,
      progressText,
      done,
      marks,
      defects,
      note,
      cards: new Map(),
    };
    this.#rows.set(jobId, row);
    return row;
  }
}

/** Where a job has got: a fraction (undefined = unknown), a sentence, and the media seconds reached. */
export function progressOf(job, levels) {
  const latest = levels?.points.at(-1)?.t;
  const reached = Math.max(job.progress?.mediaSeconds ?? 0, latest ?? 0);
  switch (job.status) {
    case "queued":
      return { fraction: 0, text: "Waiting for a worker", reached };
    case "running":
      if (job.mode === "live")
        return {
          fraction: undefined,
          text: `Live${profileNote(job)}: ${mediaTime(reached)} of stream watched`,
          reached,
        };
      if (levels?.duration)
        return {
          fraction: Math.min(1, reached / levels.duration),
          text: `${mediaTime(reached)} of ${mediaTime(levels.duration)} analysed`,
          reached,
          duration: levels.duration,
        };
      return { fraction: undefined, text: `${mediaTime(reached)} analysed`, reached };
    case "completed":
      return { fraction: 1, text: `Done: ${mediaTime(reached)} analysed`, reached, duration: reached };
    case "stopped":
      return { fraction: 1, text: `Stopped after ${mediaTime(reached)}`, reached, duration: reached };
    default:
      return { fraction: 0, text: `Failed (${job.error?.code ?? "unknown"})`, reached };
  }
}

function updateRow(row, job, levels, actions) {
  const name = shortSource(job.source);
  setText(row.badge, job.status);
  row.badge.dataset.status = job.status;
  setText(row.source, job.source ?? name);
  row.source.title = job.source ?? "";
  setText(
    row.meta,
    [job.mode ?? "file", (job.detectors ?? []).join(", "), clockTime(job.acceptedAt)]
      .filter(Boolean)
      .join(" · "),
  );
  row.stop.setAttribute("aria-label", `Stop ${name}`);
  if (TERMINAL.has(job.status)) row.stop.dataset.hidden = "";
  else delete row.stop.dataset.hidden;
  row.stop.disabled = TERMINAL.has(job.status);

  const progress = progressOf(job, levels);
  row.progress.setAttribute("aria-label", `Progress of ${name}`);
  if (progress.fraction === undefined) row.progress.removeAttribute("value");
  else row.progress.value = progress.fraction;
  setText(row.progressText, progress.text);
  drawTimeline(row, job, progress);
  updateDefects(row, job, name, actions);
}

function drawTimeline(row, job, progress) {
  const ends = job.defects.map((d) => d.end ?? d.start);
  const axis = Math.max(1, progress.duration ?? 0, progress.reached, ...ends);
  const x = (seconds) => (Math.max(0, seconds) / axis) * TIMELINE_WIDTH;
  row.done.setAttribute("width", x(progress.reached).toFixed(1));
  const marks = job.defects.map((defect) => {
    const end = defect.end ?? Math.max(defect.start, progress.reached);
    return svgElement("rect", {
      class: "mark",
      "data-severity": defect.severity,
      x: x(defect.start).toFixed(1),
      y: 1,
      width: Math.max(3, x(end) - x(defect.start)).toFixed(1),
      height: 12,
    });
  });
  row.marks.replaceChildren(...marks);
}

function updateDefects(row, job, name, actions) {
  const failed = job.status === "failed";
  const showCards = job.defects.length > 0 && !failed;
  row.defects.hidden = !showCards;
  row.note.hidden = showCards;
  row.defects.setAttribute("aria-label", `Defects of ${name}`);
  if (failed) {
    row.note.dataset.failed = "";
    setText(row.note, `Failed (${job.error?.code ?? "unknown"}): ${job.error?.message ?? ""}`);
  } else {
    delete row.note.dataset.failed;
    setText(row.note, TERMINAL.has(job.status) ? "No defects found." : "No defects so far.");
  }
  const wanted = new Set(job.defects.map((d) => d.alertId));
  for (const [alertId, card] of row.cards) {
    if (!wanted.has(alertId)) {
      card.item.remove();
      row.cards.delete(alertId);
    }
  }
  let previous = null;
  for (const defect of job.defects) {
    let card = row.cards.get(defect.alertId);
    if (!card) {
      card = createCard(job.jobId, defect.alertId, actions);
      row.cards.set(defect.alertId, card);
    }
    updateCard(card, defect);
    const expectedNext = previous ? previous.nextSibling : row.defects.firstChild;
    if (card.item !== expectedNext) row.defects.insertBefore(card.item, expectedNext);
    previous = card.item;
  }
}

function createCard(jobId, alertId, actions) {
  // The picture is for the eye; the button's name is its text: type, severity and interval.
  const thumb = element("span", { className: "thumb", "aria-hidden": "true" });
  const label = element("span", { className: "defect-label" });
  const time = element("span", { className: "defect-time" });
  const button = element(
    "button",
    { type: "button", className: "defect", "aria-haspopup": "dialog" },
    thumb,
    label,
    time,
  );
  button.addEventListener("click", () => actions.openDefect(jobId, alertId, button));
  return {
    item: element("li", { "data-alert-id": alertId }, button),
    button,
    thumb,
    label,
    time,
    shown: undefined,
  };
}

function updateCard(card, defect) {
  card.button.dataset.severity = defect.severity;
  setText(card.label, `${defectName(defect)} · ${defect.severity}`);
  setText(card.time, interval(defect));
  showThumbnail(card, defect);
}

/** The thumbnail slot: the evidence image once there is one, a placeholder of the same size until then. */
export function showThumbnail(holder, defect) {
  const url = defect?.evidence?.thumbnail;
  if (holder.shown === (url ?? null)) return;
  holder.shown = url ?? null;
  if (url) {
    delete holder.thumb.dataset.placeholder;
    holder.thumb.replaceChildren(
      element("img", { src: url, alt: "", width: 120, height: 68, decoding: "async" }),
    );
  } else {
    holder.thumb.dataset.placeholder = "";
    const none = defect && evidenceKind(defect) === "none";
    holder.thumb.replaceChildren(element("span", { text: none ? "not watched: no image" : "no image" }));
  }
}
