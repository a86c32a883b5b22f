import type { APIGatewayProxyResult } from "aws-lambda";
import type { EvidenceLink } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import { isEvidenceId } from "../../core-service/src/domain/evidence.ts";
import { type LocatedEvidence, locateEvidence } from "../../core-service/src/domain/evidence-location.ts";
import { refusal } from "../../core-service/src/intake/http-answers.ts";
import type { JobStore } from "../../core-service/src/ports/job-store.ts";
import { answer } from "../shared/http.ts";

export interface EvidenceLinks {
  link(evidence: LocatedEvidence): Promise<EvidenceLink>;
}

/**
 * `GET /v1/jobs/{jobId}/evidence/{alertId}`: a redirect to a short-lived presigned S3 URL of the alert's image,
 * with the same URL in the JSON body for clients that do not follow redirects. 404 when the job's record has
 * no image for that alert.
 */
export async function getEvidence(
  jobId: string,
  alertId: string,
  deps: { readonly jobs: Pick<JobStore, "get">; readonly evidence: EvidenceLinks },
): Promise<APIGatewayProxyResult> {
  if (!isEvidenceId(jobId)) return answer(refusal(400, "jobId: not a job id", "jobId"));
  if (!isEvidenceId(alertId)) return answer(refusal(400, "alertId: not an alert id", "alertId"));
  const located = locateEvidence(await deps.jobs.get(jobId), alertId);
  if (!located) return answer(refusal(404, `no evidence for alert ${alertId} of job ${jobId}`, "alertId"));
  const link = await deps.evidence.link(located);
  // Cached for a fraction of the URL's life, so a cached redirect never points at an expired signature.
  const maxAge = Math.floor(link.expiresInSeconds / 5);
  return answer({
    status: 302,
    body: { url: link.url, contentType: link.contentType, expiresInSeconds: link.expiresInSeconds },
    headers: { location: link.url, "cache-control": `private, max-age=${maxAge}` },
  });
}
