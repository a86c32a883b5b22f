import type { DefectClearedEvent, DefectDetectedEvent } from "../domain/events.ts";
import type { JobStore } from "../ports/job-store.ts";

type DefectEvent = DefectDetectedEvent | DefectClearedEvent;

/**
 * The defect events a job has already published, so a redelivered job does not alert its subscribers twice.
 * Loaded once from the job store when a run starts (the store holds what earlier attempts published), then
 * kept up to date by the run itself.
 */
export class PublishedAlerts {
  readonly #seen: Set<string>;

  private constructor(seen: Set<string>) {
    this.#seen = seen;
  }

  static empty(): PublishedAlerts {
    return new PublishedAlerts(new Set());
  }

  static async load(store: JobStore | undefined, jobId: string): Promise<PublishedAlerts> {
    const view = await store?.get(jobId);
    const seen = new Set<string>();
    for (const defect of view?.defects ?? []) {
      seen.add(key("Defect Detected", defect.alertId));
      if (defect.end !== undefined) seen.add(key("Defect Cleared", defect.alertId));
    }
    return new PublishedAlerts(seen);
  }

  has(event: DefectEvent): boolean {
    return this.#seen.has(key(event["detail-type"], event.detail.alertId));
  }

  add(event: DefectEvent): void {
    this.#seen.add(key(event["detail-type"], event.detail.alertId));
  }
}

function key(detailType: DefectEvent["detail-type"], alertId: string): string {
  return `${detailType}\n${alertId}`;
}
