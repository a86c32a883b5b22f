import { randomUUID } from "node:crypto";
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { type AvmonEvent, parseAvmonEvent } from "../../core-service/src/domain/events.ts";
import type { Report } from "../../core-service/src/domain/report.ts";

/** A 4 s freeze at 15 s, closed; override what a test is about. */
export function aDefect(overrides: Partial<Defect> = {}): Defect & { end: number } {
  return {
    type: "freeze",
    start: 15,
    end: 19,
    severity: "major",
    confidence: 0.97,
    metrics: { meanDifference: 0.02 },
    ...overrides,
  } as Defect & { end: number };
}

/** The same defect while it is still running: no `end` yet. */
export function anOpenDefect(overrides: Omit<Partial<Defect>, "end"> = {}): Defect {
  const { end: _end, ...open } = aDefect(overrides);
  return open;
}

export function aReport(defects: Defect[] = [aDefect()], duration = 30): Report {
  return {
    source: "clip.mp4",
    media: {
      duration,
      video: { codec: "h264", width: 1920, height: 1080, fps: 25 },
      audio: { codec: "aac", sampleRate: 48000, channels: 2 },
    },
    defects,
    stats: {
      videoFrames: duration * 25,
      audioSeconds: duration,
      wallSeconds: 2.1,
      realtimeFactor: duration / 2.1,
    },
  };
}

/** Seconds after a fixed instant, so tests can order events in time. */
export function at(seconds: number): Date {
  return new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seconds * 1000);
}

/** The event as an EventBridge rule delivers it to its target, built from what PutEvents was sent. */
export function deliveredFrom(entry: PutEventsRequestEntry): AvmonEvent {
  return parseAvmonEvent({
    version: "0",
    id: randomUUID(),
    source: entry.Source,
    "detail-type": entry.DetailType,
    time: (entry.Time ?? new Date()).toISOString(),
    region: "eu-west-1",
    account: "123456789012",
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail ?? "{}"),
  });
}
