/**
 * Custom metrics the edge functions publish (Powertools EMF, namespace `avmon`) and the dashboard reads.
 * Kept in one place so a renamed metric cannot leave an empty graph behind.
 */
import { UNDELIVERABLE_EVENTS_METRIC } from "../../core-service/src/worker/emf-metrics.ts";

export const METRICS_NAMESPACE = "avmon";

export const METRIC = {
  jobsAccepted: "JobsAccepted",
  /** Dimension `status`: completed, failed, stopped. */
  jobsFinished: "JobsFinished",
  /** Dimension `defectType`. */
  defectsDetected: "DefectsDetected",
  alertsSent: "AlertsSent",
  duplicateAlertsSkipped: "DuplicateAlertsSkipped",
  /** Events EventBridge refused for good (parked for replay); the core service emits it too. Alarmed. */
  undeliverableEvents: UNDELIVERABLE_EVENTS_METRIC,
} as const;

export const DIMENSION = { defectType: "defectType", status: "status" } as const;
