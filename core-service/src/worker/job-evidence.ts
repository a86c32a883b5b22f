import type { DetectorEvent } from "../detectors/types.ts";
import { alertId } from "../domain/events.ts";
import { evidenceKey, evidenceUrl } from "../domain/evidence.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import type { Logger } from "../logging/logger.ts";
import type { EvidenceStore } from "../ports/evidence-store.ts";

/**
 * Keeps a job's evidence where the API serves it from (`evidence/{jobId}/{alertId}.jpg|svg`, domain/evidence.ts),
 * under the alert's id: the live engine's own, or the file path's onset hash. A store that fails costs the
 * alert its picture, never the alert: the failure is logged and the event goes out without evidence.
 */
export function jobEvidenceKeeper(
  store: EvidenceStore,
  jobId: string,
  logger: Logger,
): EvidenceKeeper<DetectorEvent & { readonly alertId?: string }> {
  return async (event, image) => {
    const id = event.alertId ?? alertId(jobId, event.defect);
    try {
      await store.put(evidenceKey(jobId, id, image.format), image);
    } catch (error) {
      logger.warn("could not keep a defect's evidence; its alert goes out without it", {
        alertId: id,
        error,
      });
      return undefined;
    }
    return { thumbnail: evidenceUrl(jobId, id), at: image.at };
  };
}
