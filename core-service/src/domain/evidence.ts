/**
 * Evidence of a defect: one small image per alert, a JPEG thumbnail of the picture at its onset or, for audio
 * defects, an SVG strip of the sound around it. This is the one place that says where such an image lives, for
 * the code that writes it and the endpoints that serve it: `evidence/{jobId}/{alertId}.jpg|svg`, under the local
 * data folder or as the S3 key in the ingest bucket, with `GET /v1/jobs/{jobId}/evidence/{alertId}` as its URL.
 */
import { z } from "zod";
import type { DefectType } from "./defect.ts";
import type { JobView } from "./job-projection.ts";

/** What `Defect Detected` carries in `detail.evidence` and the job view keeps on the defect. */
export const Evidence = z.object({
  /** Where the image is served: `evidenceUrl(jobId, alertId)`, locally and behind API Gateway. */
  thumbnail: z.string().min(1),
  /** Media seconds of the picture, or of the onset the sound strip marks. */
  at: z.number(),
});
export type Evidence = z.infer<typeof Evidence>;

export const EVIDENCE_FORMATS = {
  picture: { extension: "jpg", contentType: "image/jpeg" },
  sound: { extension: "svg", contentType: "image/svg+xml" },
} as const;
export type EvidenceFormat = (typeof EVIDENCE_FORMATS)[keyof typeof EVIDENCE_FORMATS];

export const EVIDENCE_PREFIX = "evidence/";

const SOUND_DEFECTS: ReadonlySet<DefectType> = new Set(["silence", "clipping", "loudness", "audio-loss"]);
/**
 * Defects whose picture shows the defect itself (a black, frozen or blocky picture), so their evidence must be
 * a picture taken at or after the onset. The others (a stall, lost video, a jump) show the last picture seen.
 */
const SEEN_IN_THE_PICTURE: ReadonlySet<DefectType> = new Set(["black", "freeze", "blockiness"]);

/** Sound defects are shown as a level strip, every other defect as the picture at its onset. */
export function evidenceFormatFor(type: DefectType): EvidenceFormat {
  return SOUND_DEFECTS.has(type) ? EVIDENCE_FORMATS.sound : EVIDENCE_FORMATS.picture;
}

export function isSeenInThePicture(type: DefectType): boolean {
  return SEEN_IN_THE_PICTURE.has(type);
}

/** One defect's image as the analysis produced it, before it is stored anywhere. */
export interface EvidenceImage {
  readonly format: EvidenceFormat;
  readonly bytes: Uint8Array;
  /** Media seconds of the picture, or of the onset the sound strip marks. */
  readonly at: number;
}

/**
 * Job and alert ids as avmon makes them (UUIDs, hex digests) and as path segments allow them: letters, digits,
 * `-` and `_` only, so an id can never climb out of the evidence folder (`..`, `/`, `\`, `%2f` all fail).
 */
const EVIDENCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isEvidenceId(id: string): boolean {
  return EVIDENCE_ID.test(id);
}

/** The relative path (and S3 key) of one alert's image; throws on an id that is unsafe as a path segment. */
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

export interface LocatedEvidence {
  readonly key: string;
  readonly format: EvidenceFormat;
}

/**
 * Where the image of one of a job's alerts is, if the job's events said it has one: the job view is the
 * record of what was produced, so neither endpoint has to probe storage for formats that were never written.
 */
export function locateEvidence(view: JobView | undefined, alertId: string): LocatedEvidence | undefined {
  const defect = view?.defects.find((d) => d.alertId === alertId);
  if (!view || !defect?.evidence || !isEvidenceId(view.jobId) || !isEvidenceId(alertId)) return undefined;
  const format = evidenceFormatFor(defect.type);
  return { key: evidenceKey(view.jobId, alertId, format), format };
}
