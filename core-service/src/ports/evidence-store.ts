import type { EvidenceImage } from "../domain/evidence.ts";

/**
 * Where evidence images are kept: a folder locally (the data folder, or `avmon analyze --evidence DIR`), the
 * ingest bucket on AWS. Keys are relative paths (`evidence/{jobId}/{alertId}.jpg`, domain/evidence.ts).
 */
export interface EvidenceStore {
  /** Stores one image under `key`, replacing an earlier one (a retried job makes the same image again). */
  put(key: string, image: EvidenceImage): Promise<void>;
}
