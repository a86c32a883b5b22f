import { describe, expect, it } from "vitest";
import {
  IntervalTracker,
  type IntervalTransition,
  severityForDuration,
} from "../../../core-service/src/detectors/interval-tracker.ts";

const FPS = 25;

/** Feeds one sample per frame at 25 fps from `pattern` ("#" active, "." inactive); returns transitions by frame. */
function feed(
  tracker: IntervalTracker,
  pattern: string,
): Array<{ frame: number; transition: IntervalTransition }> {
  const out: Array<{ frame: number; transition: IntervalTransition }> = [];
  [...pattern].forEach((symbol, frame) => {
    const transition = tracker.update(symbol === "#", frame / FPS);
    if (transition) out.push({ frame, transition });
  });
  return out;
}

describe("IntervalTracker", () => {
  it("opens on the sample where the minimum duration is reached, with the onset as start", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 1 });

    const events = feed(tracker, `..${"#".repeat(40)}`);

    expect(events).toEqual([{ frame: 27, transition: { kind: "open", start: 2 / FPS } }]);
  });

  it("closes at the first inactive sample", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 1 });

    const events = feed(tracker, `${"#".repeat(30)}...`);

    expect(events.map((e) => e.transition)).toEqual([
      { kind: "open", start: 0 },
      { kind: "close", start: 0, end: 30 / FPS },
    ]);
  });

  it("drops an interval shorter than the minimum duration", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 1 });

    expect(feed(tracker, `..${"#".repeat(20)}....`)).toEqual([]);
  });

  it("reports an interval that reaches the minimum only at its end as a close without an open", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 1 });

    const events = feed(tracker, `${"#".repeat(25)}.`);

    expect(events.map((e) => e.transition)).toEqual([{ kind: "close", start: 0, end: 1 }]);
  });

  it("rides over fewer inactive samples than endAfter without splitting the interval", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 3 });

    const events = feed(tracker, `${"#".repeat(20)}..${"#".repeat(20)}.${"#".repeat(10)}...`);

    expect(events.map((e) => e.transition)).toEqual([
      { kind: "open", start: 0 },
      { kind: "close", start: 0, end: 53 / FPS },
    ]);
  });

  it("uses the onset the caller gives instead of the first active sample's time", () => {
    const tracker = new IntervalTracker({ minDuration: 0.5, endAfter: 1 });

    const transitions = [tracker.update(true, 1.0, 0.96)];
    for (let frame = 1; frame <= 20; frame++) transitions.push(tracker.update(true, 1.0 + frame / FPS));

    expect(transitions.filter((t) => t !== null)).toEqual([{ kind: "open", start: 0.96 }]);
    expect(transitions.findIndex((t) => t !== null)).toBe(12);
  });

  it("closes an open interval at the end time on finish", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 1 });
    feed(tracker, "#".repeat(40));

    expect(tracker.finish(2)).toEqual({ kind: "close", start: 0, end: 2 });
    expect(tracker.phase).toBe("idle");
  });

  it("on finish, ends where the condition stopped when inactive samples were already pending", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 3 });
    feed(tracker, `${"#".repeat(40)}..`);

    expect(tracker.finish(5)).toEqual({ kind: "close", start: 0, end: 40 / FPS });
  });

  it("reports nothing on finish when the pending interval is too short", () => {
    const tracker = new IntervalTracker({ minDuration: 1, endAfter: 1 });
    feed(tracker, "#".repeat(10));

    expect(tracker.finish(10 / FPS)).toBeNull();
  });

  it("rejects an endAfter below one", () => {
    expect(() => new IntervalTracker({ minDuration: 1, endAfter: 0 })).toThrow(/endAfter/);
  });
});

describe("severityForDuration", () => {
  it("grades by duration against the major and critical thresholds", () => {
    const thresholds = { majorDuration: 3, criticalDuration: 10 };

    expect(severityForDuration(2.9, thresholds)).toBe("minor");
    expect(severityForDuration(3, thresholds)).toBe("major");
    expect(severityForDuration(10, thresholds)).toBe("critical");
  });
});
