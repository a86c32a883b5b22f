/**
 * Evidence of a defect: one small image per alert (a JPEG thumbnail of the picture at its onset, or an SVG strip
 * of the sound around it). This is the one place that says where such an image lives, for the code that writes
 * it and the endpoints that serve it: `evidence/{jobId}/{alertId}.{jpg|svg}`, under the local data folder or as
 * the S3 key in the ingest bucket, and `GET /v1/jobs/{jobId}/evidence/{alertId}` as its URL.
 */
import { z } from "zod";

/** What `Defect Detected` carries in `detail.evidence` and the job view keeps on the defect. */
export const Evidence = z.object({
  /** Where the image is served: the API path below, locally and behind API Gateway. */
  thumbnail: z.string().min(1),
  /** Media seconds of the picture or the centre of the sound strip. */
  at: z.number(),
});
export type Evidence = z.infer<typeof Evidence>;

/** Formats in the order a reader looks for them: pictures first, sound strips second. */
export const EVIDENCE_FORMATS = [
  { extension: "jpg", contentType: "image/jpeg" },
  { extension: "svg", contentType: "image/svg+xml" },
] as const;
export type EvidenceFormat = (typeof EVIDENCE_FORMATS)[number];

export const EVIDENCE_PREFIX = "evidence/";

/**
 * Job and alert ids as avmon makes them (UUIDs, hex digests) and as path segments allow them: letters, digits,
 * `-` and `_` only, so an id can never climb out of the evidence folder (`..`, `/`, `\`, `%2f` all fail).
 */
const EVIDENCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isEvidenceId(id: string): boolean {
  return EVIDENCE_ID.test(id);
}

/**
 * The relative path (S3 key) of one alert's image. Throws on an id that is not safe as a path segment: callers
 * validate user input with `isEvidenceId` first and answer 400 or 404 themselves.
 */
export function evidenceKey(jobId: string, alertId: string, format: EvidenceFormat): string {
  if (!isEvidenceId(jobId) || !isEvidenceId(alertId)) {
    throw new Error(`evidence ids must match ${EVIDENCE_ID}: ${JSON.stringify({ jobId, alertId })}`);
  }
  return `${EVIDENCE_PREFIX}${jobId}/${alertId}.${format.extension}`;
}

/** The API path of one alert's image, which is what `evidence.thumbnail` holds. */
export function evidenceUrl(jobId: string, alertId: string): string {
  return `/v1/jobs/${encodeURIComponent(jobId)}/evidence/${encodeURIComponent(alertId)}`;
}
