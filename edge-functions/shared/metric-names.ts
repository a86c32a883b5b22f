/**
 * Custom metrics the edge functions publish (Powertools EMF, namespace `avmon`) and the dashboard reads.
 * Kept in one place so a renamed metric cannot leave an empty graph behind.
 */
export const METRICS_NAMESPACE = "avmon";

export const METRIC = {
  jobsAccepted: "JobsAccepted",
  /** Dimension `status`: completed, failed, stopped. */
  jobsFinished: "JobsFinished",
  /** Dimension `defectType`. */
  defectsDetected: "DefectsDetected",
  alertsSent: "AlertsSent",
  duplicateAlertsSkipped: "DuplicateAlertsSkipped",
} as const;

export const DIMENSION = { defectType: "defectType", status: "status" } as const;
