/**
 * The dashboard: jobs from GET /v1/jobs, kept current by the event stream (GET /v1/events: each event makes the
 * page re-read that job), running jobs' levels from GET /v1/levels. Every time the event stream (re)opens, the
 * job list is read again, so a restarted server, or events missed while disconnected, never leave it stale.
 */
import { getJob, listJobs, stopJob, submitJob } from "./api.js";
import { DefectDialog } from "./defect-dialog.js";
import { follow } from "./event-source.js";
import { shortSource } from "./format.js";
import { JobList } from "./job-list.js";
import { LiveTiles, SPARKLINE_POINTS } from "./live-tiles.js";

const $ = (id) => document.getElementById(id);
const jobs = new Map();
const levels = new Map();
/** When each job was last read on its own, so a slower list read cannot undo a newer job read. */
const readAt = new Map();
let olderCursor;

const jobList = new JobList($("jobs"), $("jobs-empty"), { openDefect, stop });
const tiles = new LiveTiles($("tiles"), $("tiles-empty"));
const dialog = new DefectDialog($("defect-dialog"));
const status = $("submit-status");
const connection = $("connection");

let drawScheduled = false;
function render() {
  if (drawScheduled) return;
  drawScheduled = true;
  requestAnimationFrame(() => {
    drawScheduled = false;
    const ordered = [...jobs.values()].sort((a, b) => (listKey(a) < listKey(b) ? 1 : -1));
    const levelsOf = (jobId) => levels.get(jobId);
    jobList.render(ordered, levelsOf);
    tiles.render(ordered.filter((job) => job.status === "running").reverse(), levelsOf);
  });
}

/** The server's listing order (domain/job-listing.ts): submission time, then id. */
function listKey(job) {
  const since = job.acceptedAt ?? job.startedAt ?? job.updatedAt;
  return `${new Date(since).toISOString()}#${job.jobId}`;
}

/** Keeps whichever view of a job is newer. */
function keep(job) {
  const known = jobs.get(job.jobId);
  if (known && Date.parse(known.updatedAt) > Date.parse(job.updatedAt)) return;
  jobs.set(job.jobId, job);
}

async function resync() {
  const startedAt = performance.now();
  const page = await listJobs();
  const listed = new Set(page.jobs.map((job) => job.jobId));
  for (const jobId of jobs.keys()) {
    if (!listed.has(jobId) && !((readAt.get(jobId) ?? -1) > startedAt)) jobs.delete(jobId);
  }
  for (const job of page.jobs) keep(job);
  olderCursor = page.nextCursor;
  $("more-jobs").hidden = !olderCursor;
  render();
}

const refreshes = new Map();
/** Re-reads a job after one of its events, once per burst; retries briefly if the store had not caught up. */
function refresh(jobId, occurredAt) {
  const running = refreshes.get(jobId);
  if (running) {
    running.again = true;
    running.occurredAt = later(running.occurredAt, occurredAt);
    return;
  }
  const entry = { again: false, occurredAt, retries: 0 };
  refreshes.set(jobId, entry);
  void readJob(jobId, entry).finally(() => refreshes.delete(jobId));
}

async function readJob(jobId, entry) {
  for (;;) {
    entry.again = false;
    let view;
    try {
      view = await getJob(jobId);
    } catch {
      return; // gone (404) or the server is away: the resync on reconnect catches up
    }
    readAt.set(jobId, performance.now());
    keep(view);
    render();
    const behind = entry.occurredAt && Date.parse(view.updatedAt) < Date.parse(entry.occurredAt);
    if (behind && entry.retries++ < 5) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (!entry.again) return;
  }
}

function later(a, b) {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function onLevels(message) {
  if (message.ended) {
    levels.delete(message.jobId);
  } else {
    let entry = levels.get(message.jobId);
    if (!entry || message.reset) {
      entry = { duration: undefined, points: [] };
      levels.set(message.jobId, entry);
    }
    entry.duration = message.duration ?? entry.duration;
    entry.points.push(...message.points);
    if (entry.points.length > SPARKLINE_POINTS)
      entry.points.splice(0, entry.points.length - SPARKLINE_POINTS);
  }
  render();
}

function setConnection(state, text) {
  connection.dataset.state = state;
  connection.textContent = text;
}

follow("/v1/events", {
  open: () => {
    setConnection("live", "Live updates on");
    resync().catch(() => setConnection("reconnecting", "Reconnecting…"));
  },
  reconnecting: () => setConnection("reconnecting", "Reconnecting…"),
  message: (event) => {
    // Anything but an avmon event means the stream said something this page does not know: read all again.
    if (typeof event?.detail?.jobId !== "string") return void resync().catch(() => undefined);
    refresh(event.detail.jobId, event.detail.occurredAt);
  },
  // A subscriber that fell behind is told so (then the server ends its stream); what it missed is read again.
  named: { lagged: () => void resync().catch(() => undefined) },
});
follow("/v1/levels", { message: onLevels, open: () => levels.clear() });

function openDefect(jobId, alertId, invoker) {
  const job = jobs.get(jobId);
  const defect = job?.defects.find((d) => d.alertId === alertId);
  if (job && defect) dialog.open(job, defect, invoker);
}

async function stop(jobId, button) {
  const name = shortSource(jobs.get(jobId)?.source);
  try {
    await stopJob(jobId);
    status.textContent = `Stopping ${name}…`;
  } catch (error) {
    status.textContent = `Could not stop ${name}: ${error.message}`;
  }
  button.focus();
}

$("more-jobs").addEventListener("click", async () => {
  try {
    const page = await listJobs(olderCursor);
    for (const job of page.jobs) keep(job);
    olderCursor = page.nextCursor;
    $("more-jobs").hidden = !olderCursor;
    render();
  } catch (error) {
    status.textContent = `Could not load older jobs: ${error.message}`;
  }
});

const form = $("submit-form");
let submitting = false;
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (submitting) return;
  clearErrors();
  const source = form.elements.source.value.trim();
  const mode = form.elements.mode.value;
  const detectors = [...form.querySelectorAll("input[name=detectors]:checked")].map((input) => input.value);
  if (!source) return showError("source", "Enter a file path or a URL to analyse.");
  if (detectors.length === 0) return showError("detectors", "Choose at least one detector.");
  submitting = true;
  form.setAttribute("aria-busy", "true");
  status.textContent = "Submitting…";
  try {
    const { jobId } = await submitJob({ source, mode, detectors });
    status.textContent = `Queued ${shortSource(source)} (job ${jobId.slice(0, 8)}).`;
    form.elements.source.value = "";
    refresh(jobId);
  } catch (error) {
    status.textContent = "";
    showError(String(error.field ?? "").startsWith("detectors") ? "detectors" : "source", error.message);
  } finally {
    submitting = false;
    form.removeAttribute("aria-busy");
  }
});

function showError(field, message) {
  $(`${field}-error`).textContent = message;
  if (field === "source") {
    form.elements.source.setAttribute("aria-invalid", "true");
    form.elements.source.focus();
  } else {
    form.querySelector("input[name=detectors]").focus();
  }
}

function clearErrors() {
  $("source-error").textContent = "";
  $("detectors-error").textContent = "";
  form.elements.source.removeAttribute("aria-invalid");
}
