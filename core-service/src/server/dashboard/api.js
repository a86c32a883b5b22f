/** The local API, same origin as the page. Every call throws an Error with the API's message on failure. */

async function request(path, init) {
  const response = await fetch(path, { headers: { accept: "application/json" }, ...init });
  const body = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = new Error(body?.error ?? `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.field = body?.field;
    throw error;
  }
  return body;
}

export const PAGE_SIZE = 50;

export function listJobs(cursor) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set("cursor", cursor);
  return request(`/v1/jobs?${query}`);
}

export function getJob(jobId) {
  return request(`/v1/jobs/${encodeURIComponent(jobId)}`);
}

export function submitJob(job) {
  return request("/v1/jobs", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(job),
  });
}

export function stopJob(jobId) {
  return request(`/v1/jobs/${encodeURIComponent(jobId)}`, { method: "DELETE" });
}
