/**
 * `/`: a one-page dashboard with no build step. It submits jobs and follows every avmon event over SSE,
 * keeping a row per job and a list of live alerts.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>avmon</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin-top: 1.5rem; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid #ddd; }
  .major, .critical { color: #b00; } .minor { color: #a60; } .cleared { color: #777; }
  form input[name=source] { width: 30rem; }
  code { background: #f4f4f4; padding: 0 3px; }
</style>
</head>
<body>
<h1>avmon</h1>
<form id="submit"><input name="source" placeholder="/path/to/clip.mp4 or https://…/stream.m3u8" required>
<button>Analyse</button> <span id="submit-result"></span></form>
<h2>Jobs</h2>
<table><thead><tr><th>job</th><th>source</th><th>status</th><th>defects</th><th>updated</th></tr></thead><tbody id="jobs"></tbody></table>
<h2>Alerts</h2>
<table><thead><tr><th>time</th><th>event</th><th>type</th><th>interval</th><th>severity</th><th>job</th></tr></thead><tbody id="alerts"></tbody></table>
<script type="module">
const jobs = new Map();
const $ = (id) => document.getElementById(id);
const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; };
const clock = (s) => s === undefined ? "…" : new Date(s * 1000).toISOString().slice(14, 22);
function renderJobs() {
  const rows = [...jobs.values()].sort((a, b) => b.updated.localeCompare(a.updated)).map((j) => {
    const tr = document.createElement("tr");
    tr.append(cell(j.jobId.slice(0, 8)), cell(j.source ?? ""), cell(j.status), cell(String(j.defects)), cell(j.updated.slice(11, 19)));
    return tr;
  });
  $("jobs").replaceChildren(...rows);
}
function onEvent(event) {
  const d = event.detail;
  const job = jobs.get(d.jobId) ?? { jobId: d.jobId, status: "queued", defects: 0, updated: d.occurredAt };
  job.updated = d.occurredAt;
  switch (event["detail-type"]) {
    case "Job Accepted": job.source = d.source; break;
    case "Job Started": job.status = "running"; break;
    case "Job Completed": job.status = d.reason === "stopped" ? "stopped" : "completed"; break;
    case "Job Failed": job.status = "failed (" + d.error.code + ")"; break;
    case "Defect Detected": job.defects++; addAlert(event, false); break;
    case "Defect Cleared": addAlert(event, true); break;
  }
  jobs.set(d.jobId, job);
  renderJobs();
}
function addAlert(event, cleared) {
  const { defect, jobId, occurredAt } = event.detail;
  const tr = document.createElement("tr");
  tr.className = cleared ? "cleared" : defect.severity;
  tr.append(cell(occurredAt.slice(11, 19)), cell(cleared ? "cleared" : "ALERT"), cell(defect.type),
    cell(clock(defect.start) + "–" + clock(defect.end)), cell(defect.severity), cell(jobId.slice(0, 8)));
  $("alerts").prepend(tr);
}
new EventSource("/v1/events").onmessage = (message) => onEvent(JSON.parse(message.data));
$("submit").onsubmit = async (e) => {
  e.preventDefault();
  const source = new FormData(e.target).get("source");
  const response = await fetch("/v1/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ source }) });
  const body = await response.json();
  $("submit-result").textContent = response.ok ? "queued " + body.jobId : body.error;
};
</script>
</body>
</html>
`;
