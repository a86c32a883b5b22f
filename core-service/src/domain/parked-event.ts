/**
 * An event a delivery target refused for good (EventBridge on AWS, a webhook locally), kept with the reason so
 * it can be replayed (`avmon replay-events`). The same record shape in S3 and in the data folder.
 */
import { z } from "zod";
import { AvmonEvent } from "./events.ts";

export const DeliveryTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("eventbridge"), busName: z.string().min(1) }),
  z.object({ kind: z.literal("webhook"), subscriptionId: z.string().min(1), url: z.string().min(1) }),
]);
export type DeliveryTarget = z.infer<typeof DeliveryTarget>;

export const ParkedEvent = z.object({
  version: z.literal(1),
  event: AvmonEvent,
  target: DeliveryTarget,
  /** The target's last answer: an EventBridge error code, an HTTP status, a network error. */
  reason: z.object({ code: z.string().min(1), message: z.string() }),
  attempts: z.int().min(0),
  parkedAt: z.iso.datetime({ offset: true }),
});
export type ParkedEvent = z.infer<typeof ParkedEvent>;

/** One record per event and target: parking the same event for the same target again replaces it. */
export function parkingKey(parked: Pick<ParkedEvent, "event" | "target">): string {
  const target =
    parked.target.kind === "eventbridge" ? "eventbridge" : `webhook-${parked.target.subscriptionId}`;
  return `${target}/${parked.event.id}.json`;
}

export function describeTarget(target: DeliveryTarget): string {
  return target.kind === "eventbridge" ? `EventBridge bus ${target.busName}` : `webhook ${target.url}`;
}

/** Reads a stored record back, naming it when it is not one. */
export function parseParkedEvent(key: string, text: string): ParkedEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${key} is not JSON: ${(error as Error).message}`);
  }
  const parsed = ParkedEvent.safeParse(json);
  if (!parsed.success)
    throw new Error(`${key} is not a parked avmon event: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
