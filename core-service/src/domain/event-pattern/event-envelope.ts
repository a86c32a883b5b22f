import { z } from "zod";

/**
 * The envelope fields AWS requires of an event given to TestEventPattern: id, account, source, time, region,
 * resources and detail-type. Other fields (version, detail, anything custom) pass through untouched.
 */
export const EventEnvelope = z.looseObject({
  id: z.string(),
  account: z.string(),
  source: z.string(),
  time: z.iso.datetime({ offset: true }),
  region: z.string(),
  resources: z.array(z.string()),
  "detail-type": z.string(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path
    .map((step, index) =>
      typeof step === "number" ? `[${step}]` : `${index === 0 ? "" : "."}${String(step)}`,
    )
    .join("");
  if (issue.code === "invalid_type" && issue.input === undefined) return `missing required field "${field}"`;
  return field === "" ? issue.message : `field "${field}": ${issue.message}`;
}

/** Checks the envelope; returns one line naming every problem, or undefined when the event is valid. */
export function describeInvalidEnvelope(event: unknown): string | undefined {
  const result = EventEnvelope.safeParse(event, { reportInput: true });
  if (result.success) return undefined;
  return result.error.issues.map(describeIssue).join("; ");
}
