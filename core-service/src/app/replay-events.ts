/**
 * `avmon replay-events`: offers every parked event once more to the target that refused it (EventBridge on
 * AWS, a webhook locally). A record is removed only once its target has accepted the event; one refused again
 * stays parked with the new reason.
 */
import type { AvmonEvent } from "../domain/events.ts";
import { type DeliveryTarget, describeTarget, type ParkedEvent } from "../domain/parked-event.ts";
import { type EventBus, UndeliveredEventsError } from "../ports/event-bus.ts";
import type { ParkedEntry, ParkingLot } from "../ports/parking-lot.ts";
import { postWebhook, type WebhookTargetOptions } from "../server/webhook-delivery.ts";

export interface ReplayOptions {
  readonly parking: ParkingLot;
  /**
   * A bus to the named EventBridge bus that parks what it gives up on in `parking` (the one it is handed: the
   * replay watches it to learn which events were refused again).
   */
  readonly eventBridge: (busName: string, parking: ParkingLot) => EventBus;
  /**
   * How webhooks are reached: as the live delivery path does (server/webhooks.ts), under the stack's SSRF guard
   * when it is on, so a replay cannot reach an address a live delivery would be refused.
   */
  readonly webhooks?: WebhookTargetOptions;
  readonly webhookTimeoutMs?: number;
  /** List what is parked without sending anything. */
  readonly dryRun?: boolean;
  readonly write: (line: string) => void;
}

export interface ReplayResult {
  readonly replayed: number;
  readonly stillParked: number;
}

export async function replayParkedEvents(options: ReplayOptions): Promise<ReplayResult> {
  const entries = await options.parking.list();
  if (options.dryRun) {
    for (const { parked } of entries)
      options.write(`parked    ${label(parked.event)} ${parkedLine(parked)}\n`);
    return { replayed: 0, stillParked: entries.length };
  }
  const outcomes = [
    ...(await replayToEventBridge(
      entries.filter((e) => e.parked.target.kind === "eventbridge"),
      options,
    )),
    ...(await replayToWebhooks(
      entries.filter((e) => e.parked.target.kind === "webhook"),
      options,
    )),
  ];
  const replayed = outcomes.filter(Boolean).length;
  return { replayed, stillParked: outcomes.length - replayed };
}

/** One bus per EventBridge bus named; an event it parks again is one EventBridge still refuses. */
async function replayToEventBridge(
  entries: readonly ParkedEntry[],
  options: ReplayOptions,
): Promise<boolean[]> {
  const byBus = new Map<string, ParkedEntry[]>();
  for (const entry of entries) {
    const { busName } = entry.parked.target as Extract<DeliveryTarget, { kind: "eventbridge" }>;
    byBus.set(busName, [...(byBus.get(busName) ?? []), entry]);
  }
  const outcomes: boolean[] = [];
  for (const [busName, group] of byBus) {
    const refusedAgain = new Map<string, ParkedEvent>();
    const watching: ParkingLot = {
      park: async (parked) => {
        refusedAgain.set(parked.event.id, parked);
        await options.parking.park(parked);
      },
      list: () => options.parking.list(),
      remove: (key) => options.parking.remove(key),
    };
    const bus = options.eventBridge(busName, watching);
    let notKept: ReadonlySet<string> = new Set();
    await bus.publish(group.map((entry) => entry.parked.event));
    try {
      await bus.flush();
    } catch (error) {
      // Refused again and not re-parked: the old record is still there, so nothing is lost.
      if (!(error instanceof UndeliveredEventsError)) throw error;
      notKept = new Set(group.map((entry) => entry.parked.event.id));
    }
    for (const { key, parked } of group) {
      const again = refusedAgain.get(parked.event.id);
      if (again || notKept.has(parked.event.id)) {
        options.write(`refused   ${label(parked.event)} ${parkedLine(again ?? parked)}\n`);
        outcomes.push(false);
        continue;
      }
      await options.parking.remove(key);
      options.write(`replayed  ${label(parked.event)} to ${describeTarget(parked.target)}\n`);
      outcomes.push(true);
    }
  }
  return outcomes;
}

async function replayToWebhooks(entries: readonly ParkedEntry[], options: ReplayOptions): Promise<boolean[]> {
  const outcomes: boolean[] = [];
  for (const { key, parked } of entries) {
    const target = parked.target as Extract<DeliveryTarget, { kind: "webhook" }>;
    const outcome = await postWebhook(target.url, parked.event, {
      ...options.webhooks,
      timeoutMs: options.webhookTimeoutMs ?? 5000,
      signal: new AbortController().signal,
    });
    if (outcome.ok) {
      await options.parking.remove(key);
      options.write(`replayed  ${label(parked.event)} to ${describeTarget(target)}\n`);
      outcomes.push(true);
      continue;
    }
    const again: ParkedEvent = {
      ...parked,
      reason: { code: "WEBHOOK_REFUSED", message: outcome.reason },
      attempts: parked.attempts + 1,
    };
    await options.parking.park(again);
    options.write(`refused   ${label(parked.event)} ${parkedLine(again)}\n`);
    outcomes.push(false);
  }
  return outcomes;
}

function label(event: AvmonEvent): string {
  return `${event["detail-type"]} ${event.id} (job ${event.detail.jobId})`;
}

function parkedLine(parked: ParkedEvent): string {
  return `by ${describeTarget(parked.target)} since ${parked.parkedAt}: ${parked.reason.code} ${parked.reason.message}`;
}
