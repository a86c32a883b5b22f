import type { APIGatewayProxyResult } from "aws-lambda";
import type { EvidenceLink } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import { isEvidenceId } from "../../core-service/src/domain/evidence.ts";
import { json, problem } from "../shared/http.ts";

export interface EvidenceLinks {
  link(jobId: string, alertId: string): Promise<EvidenceLink | undefined>;
}

/**
 * `GET /v1/jobs/{jobId}/evidence/{alertId}`: a redirect to a short-lived presigned S3 URL of the alert's image,
 * with the same URL in the JSON body for clients that do not follow redirects. 404 when there is no image.
 */
export async function getEvidence(
  jobId: string,
  alertId: string,
  evidence: EvidenceLinks,
): Promise<APIGatewayProxyResult> {
  if (!isEvidenceId(jobId)) return problem(400, "jobId: not a job id");
  if (!isEvidenceId(alertId)) return problem(400, "alertId: not an alert id");
  const link = await evidence.link(jobId, alertId);
  if (!link) return problem(404, `no evidence for alert ${alertId} of job ${jobId}`);
  // Cached for a fraction of the URL's life, so a cached redirect never points at an expired signature.
  const maxAge = Math.floor(link.expiresInSeconds / 5);
  return json(
    302,
    { url: link.url, contentType: link.contentType, expiresInSeconds: link.expiresInSeconds },
    { location: link.url, "cache-control": `private, max-age=${maxAge}` },
  );
}
