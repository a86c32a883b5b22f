import type { z } from "zod";

/** The first issue of a failed parse, as `field: message`, with the field path joined by dots. */
export function firstIssue(error: z.ZodError, prefix = ""): { field: string; message: string } {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".");
  const field = path || "body";
  return { field, message: `${field}: ${issue?.message ?? "invalid"}` };
}
