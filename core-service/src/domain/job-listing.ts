/**
 * `GET /v1/jobs`: jobs newest first, a page at a time. One query schema and one cursor format for the local
 * store and the DynamoDB index, so both answer the same request the same way.
 */
import { z } from "zod";
import type { JobView } from "./job-projection.ts";

export const DEFAULT_JOB_PAGE_SIZE = 20;
/** Enough for a screenful; small enough that a page of long live jobs stays well inside a Lambda response. */
export const MAX_JOB_PAGE_SIZE = 100;

/** A position in the listing: the list key of the last job of the previous page. */
const LIST_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#\S{1,256}$/;
const MAX_CURSOR_LENGTH = 512;

export const JobListQuery = z
  .object({
    limit: z.coerce
      .number({ error: `expected a whole number from 1 to ${MAX_JOB_PAGE_SIZE}` })
      .int(`expected a whole number from 1 to ${MAX_JOB_PAGE_SIZE}`)
      .min(1, `expected a whole number from 1 to ${MAX_JOB_PAGE_SIZE}`)
      .max(MAX_JOB_PAGE_SIZE, `at most ${MAX_JOB_PAGE_SIZE} jobs a page`)
      .default(DEFAULT_JOB_PAGE_SIZE),
    cursor: z
      .string({ error: "give one cursor" })
      .max(MAX_CURSOR_LENGTH, "not a cursor this API returned")
      .transform((cursor, ctx) => {
        const key = decodeCursor(cursor);
        if (key !== undefined) return key;
        ctx.addIssue({ code: "custom", message: "not a cursor this API returned (use nextCursor as given)" });
        return z.NEVER;
      })
      .optional(),
  })
  .strict();
/** After parsing, `cursor` is the decoded list key to continue after. */
export type JobListQuery = z.infer<typeof JobListQuery>;

/** A job as the listing shows it: the view without the report, which repeats its defects. */
export type JobListItem = Omit<JobView, "summary">;

export interface JobPage {
  readonly jobs: JobListItem[];
  /** Present when older jobs follow; pass it back as `cursor`. */
  readonly nextCursor?: string;
}

/**
 * Parses query-string values (express's `req.query`, API Gateway's `queryStringParameters`); an error message
 * names the parameter. Repeated parameters are refused rather than guessed between.
 */
export function parseJobListQuery(
  raw: Record<string, unknown> | null | undefined,
): { ok: true; query: JobListQuery } | { ok: false; field: string; message: string } {
  const parsed = JobListQuery.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, query: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const field = issue.keys[0] ?? "query";
    return { ok: false, field, message: `${field}: unknown query parameter (expected limit, cursor)` };
  }
  const field = issue?.path.map(String).join(".") || "query";
  return { ok: false, field, message: `${field}: ${issue?.message ?? "invalid"}` };
}

/**
 * Where a job sorts: when it was submitted (the first time any of its events knew of), then its id, so two
 * jobs of the same millisecond still have one order. Normalised to UTC milliseconds so keys compare as text.
 */
export function listKey(view: Pick<JobView, "jobId" | "acceptedAt" | "startedAt" | "updatedAt">): string {
  const since = view.acceptedAt ?? view.startedAt ?? view.updatedAt;
  return `${new Date(since).toISOString()}#${view.jobId}`;
}

export function jobIdOfListKey(key: string): string {
  return key.slice(key.indexOf("#") + 1);
}

export function toListItem(view: JobView): JobListItem {
  const { summary: _report, ...item } = view;
  return item;
}

/** Cursors are opaque to clients (base64url), so the key layout can change without breaking their code. */
export function encodeCursor(listKey: string): string {
  return Buffer.from(listKey, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  return LIST_KEY.test(key) ? key : undefined;
}
