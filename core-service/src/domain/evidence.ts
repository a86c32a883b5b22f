/**
 * Evidence of a defect: one small image per alert, a JPEG thumbnail of the picture at its onset or, for audio
 * defects, an SVG strip of the sound around it. This is the one place that says where such an image lives, for
 * the code that writes it and the endpoints that serve it: `evidence/{jobId}/{alertId}.jpg|svg`, under the local
 * data folder or as the S3 key in the ingest bucket, with `GET /v1/jobs/{jobId}/evidence/{alertId}` as its URL.
 */
import { z } from "zod";
import type { Defect, DefectType } from "./defect.ts";

/** Twice what `evidenceUrl` makes of the longest ids (128 characters each). */
const MAX_THUMBNAIL_LENGTH = 600;

/** What `Defect Detected` carries in `detail.evidence` and the job view keeps on the defect. */
export const Evidence = z.object({
  /**
   * Where the image is served: `evidenceUrl(jobId, alertId)`, locally and behind API Gateway. Bounded, so the
   * job view's latest defects (job-view-bounds.ts) stay within one DynamoDB item with their evidence.
   */
  thumbnail: z.string().min(1).max(MAX_THUMBNAIL_LENGTH),
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

/** Heard, not seen: shown as a level strip of the sound around the onset. */
const SOUND_DEFECTS: ReadonlySet<DefectType> = new Set([
  "silence",
  "clipping",
  "loudness",
  "audio-loss",
  "channel-loss",
  "phase",
]);
/** Nothing of the source was decoded there (a playlist segment that could not be fetched): no image to show. */
const NOTHING_TO_SHOW: ReadonlySet<DefectType> = new Set(["unwatched"]);
/**
 * Defects whose picture shows the defect itself (a black, frozen or blocky picture, colour bars), so their
 * evidence must be a picture taken at or after the onset. The others (a stall, lost video, a jump, an A/V
 * offset) show the nearest picture seen.
 */
const SEEN_IN_THE_PICTURE: ReadonlySet<DefectType> = new Set(["black", "freeze", "blockiness"]);

type DefectShown = Pick<Defect, "type"> & Partial<Pick<Defect, "metrics">>;

/** A test signal is either colour bars (a picture) or a line-up tone (a sound), as its metrics say. */
function isToneSignal(defect: DefectShown): boolean {
  return defect.type === "test-signal" && defect.metrics?.signal === "line-up-tone";
}

/**
 * Sound defects are shown as a level strip, picture defects (and the stream's own: a stall, lost video) as the
 * picture at the onset; undefined for a defect with nothing to show (`unwatched`).
 */
export function evidenceFormatFor(defect: DefectShown): EvidenceFormat | undefined {
  if (NOTHING_TO_SHOW.has(defect.type)) return undefined;
  return SOUND_DEFECTS.has(defect.type) || isToneSignal(defect)
    ? EVIDENCE_FORMATS.sound
    : EVIDENCE_FORMATS.picture;
}

export function isSeenInThePicture(defect: DefectShown): boolean {
  return SEEN_IN_THE_PICTURE.has(defect.type) || (defect.type === "test-signal" && !isToneSignal(defect));
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
