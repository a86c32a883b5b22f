/**
 * The claim-check pattern for events too large to travel whole: the large part (a Job Completed's report) is
 * stored beside the bus and the event carries a DetailRef to it. Pure: storing and reading are the caller's.
 */
import { createHash } from "node:crypto";
import {
  type AvmonEvent,
  type ClaimCheckedJobCompletedDetail,
  type DetailRef,
  type InlineJobCompletedEvent,
  type JobCompletedEvent,
  MAX_INLINE_DETAIL_BYTES,
  type ResolvedJobCompletedEvent,
} from "./events.ts";
import type { Report } from "./report.ts";

/** A Job Completed whose detail would pass the inline limit. Other events are small by construction. */
export function needsClaimCheck(event: AvmonEvent): event is InlineJobCompletedEvent {
  if (event["detail-type"] !== "Job Completed" || !("summary" in event.detail)) return false;
  return Buffer.byteLength(JSON.stringify(event.detail), "utf8") > MAX_INLINE_DETAIL_BYTES;
}

/** Where the report of one event is kept, relative to the store: one object per event, grouped by job. */
export function claimKey(event: AvmonEvent): string {
  return `${event.detail.jobId}/${event.id}.json`;
}

/** The reference for `body` stored at `uri`. */
export function detailRef(uri: string, body: string): DetailRef {
  return { uri, bytes: Buffer.byteLength(body, "utf8"), sha256: sha256(body) };
}

/** The event with its report replaced by the reference to where it is kept. */
export function withSummaryRef(event: InlineJobCompletedEvent, ref: DetailRef): JobCompletedEvent {
  const { summary: _summary, ...rest } = event.detail;
  const detail: ClaimCheckedJobCompletedDetail = { ...rest, summaryRef: ref };
  return { ...event, detail };
}

/** The event with its report back in place, beside the reference it was read from. */
export function withSummary(event: JobCompletedEvent, summary: Report): ResolvedJobCompletedEvent {
  return { ...event, detail: { ...(event.detail as ClaimCheckedJobCompletedDetail), summary } };
}

/** Why a stored body is not the one the reference names; undefined when it is. */
export function refMismatch(ref: DetailRef, body: string): string | undefined {
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes !== ref.bytes) return `${ref.uri} holds ${bytes} bytes, the reference says ${ref.bytes}`;
  if (sha256(body) !== ref.sha256) return `${ref.uri} does not match the reference's sha256`;
  return undefined;
}

function sha256(body: string): string {
  return createHash("sha256").update(body, "utf8").digest("hex");
}
