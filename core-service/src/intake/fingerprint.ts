import { createHash } from "node:crypto";
import { FILE_DEFECT_TYPES } from "../domain/defect.ts";
import type { JobRequest } from "../domain/job.ts";

/**
 * What an `Idempotency-Key` is bound to: the request as parsed, with every default applied, so a retry that
 * spells out a default (`"mode": "file"`, every detector, empty labels) or orders keys differently is the same
 * request, and anything that changes the job is not.
 */
export function requestFingerprint(request: JobRequest): string {
  const effective = {
    source: request.source,
    mode: request.mode,
    detectors: [...new Set(request.detectors ?? FILE_DEFECT_TYPES)].sort(),
    thresholds: request.thresholds ?? {},
    labels: request.labels ?? {},
    live: request.live ?? null,
  };
  return createHash("sha256").update(canonicalJson(effective)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
