import { refMismatch, withSummary } from "../domain/claim-check.ts";
import type { AvmonEvent, ResolvedAvmonEvent } from "../domain/events.ts";
import { Report } from "../domain/report.ts";

/** Where event details too large for the bus are kept (S3 on AWS, the data folder locally). */
export interface ClaimStore {
  /** Stores `body` under `key` (see `claimKey`); resolves with the URI a DetailRef carries. */
  put(key: string, body: string): Promise<string>;
  /** Reads what a DetailRef points at; refuses a URI outside this store. */
  get(uri: string): Promise<string>;
}

/** A stored detail that is missing, altered or not what its event says. */
export class ClaimCheckError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ClaimCheckError";
  }
}

/**
 * What a consumer that needs the full detail calls before using an event: a claim-checked Job Completed gets
 * its report back from the store (checked against the reference's size and hash); any other event is returned
 * as it is.
 */
export async function followClaimCheck(
  event: AvmonEvent,
  claims: Pick<ClaimStore, "get">,
): Promise<ResolvedAvmonEvent> {
  if (event["detail-type"] !== "Job Completed" || !("summaryRef" in event.detail)) {
    return event as ResolvedAvmonEvent;
  }
  const ref = event.detail.summaryRef;
  let body: string;
  try {
    body = await claims.get(ref.uri);
  } catch (error) {
    throw new ClaimCheckError(`cannot read the report of event ${event.id} at ${ref.uri}`, { cause: error });
  }
  const mismatch = refMismatch(ref, body);
  if (mismatch) throw new ClaimCheckError(`event ${event.id}: ${mismatch}`);
  const report = Report.safeParse(JSON.parse(body));
  if (!report.success)
    throw new ClaimCheckError(`${ref.uri} does not hold a report`, { cause: report.error });
  return withSummary(event, report.data);
}
