/**
 * A real HLS origin (1 s segments) with a freeze at 5–9 s and a silence at 11–14 s of origin time.
 *
 * Latency is measured from the moment the origin *published* the frame that completes the defect's minimum
 * duration (the playlist first listing the segment that holds it) to the moment the event reached the
 * listener; for a close, from the publication of the first frame after the defect. The product's bound is 1 s;
 * the assertion keeps a margin for a shared, loaded 2-core machine and for ffmpeg's HLS reader, which reloads a
 * playlist once per target duration (1 s), so its share alone can approach the bound.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import type { LiveSummary } from "../../core-service/src/live/types.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { EventLog, type ReceivedEvent } from "./live-events.ts";

const LATENCY_BOUND_S = 1;
const MACHINE_MARGIN_S = 0.75;
const FREEZE = { start: 5, end: 9 };
const SILENCE = { start: 11, end: 14 };
const MIN_DURATION = 2;

describe("live analysis of an HLS origin", () => {
  let origin: LiveOrigin;
  const log = new EventLog();
  let summary: LiveSummary;

  beforeAll(async () => {
    origin = await startLiveOrigin({
      protocol: "hls",
      duration: 24,
      video: [{ type: "freeze", ...FREEZE }],
      audio: [{ type: "silence", ...SILENCE }],
    });
    const stop = new AbortController();
    const run = analyzeLive(origin.url, {
      detectors: ["black", "freeze", "silence", "loudness"],
      thresholds: { freeze: { minDuration: MIN_DURATION }, silence: { minDuration: MIN_DURATION } },
      signal: stop.signal,
      onDetectorEvent: log.listener,
    });
    await log.waitFor("close", "silence", 30_000).finally(() => stop.abort());
    summary = await run;
  }, 60_000);

  afterAll(async () => {
    await origin?.close();
  });

  it("reports the freeze and the silence, each opened then closed, in stream order", () => {
    const sequence = log.received
      .map((r) => `${r.event.kind} ${r.event.defect.type}`)
      .filter((s) => /freeze|silence/.test(s));
    expect(sequence).toEqual(["open freeze", "close freeze", "open silence", "close silence"]);
  });

  it("measures each defect's length on the stream's own timeline", () => {
    const freeze = closeOf("freeze");
    const silence = closeOf("silence");
    expect(freeze.end - freeze.start).toBeCloseTo(FREEZE.end - FREEZE.start, 0);
    expect(silence.end - silence.start).toBeCloseTo(SILENCE.end - SILENCE.start, 0);
    // The two windows are 6 s apart in the programme; the stream timeline keeps that distance.
    expect(silence.start - freeze.start).toBeCloseTo(SILENCE.start - FREEZE.start, 0);
  });

  it("gives the open and close of one defect the same alertId, and wall-clock times", () => {
    const open = log.find("open", "freeze")?.event;
    const close = log.find("close", "freeze")?.event;
    expect(open?.alertId).toBeTruthy();
    expect(close?.alertId).toBe(open?.alertId);
    const startedAt = Date.parse(close?.defect.startedAt ?? "");
    const endedAt = Date.parse(close?.defect.endedAt ?? "");
    expect(endedAt - startedAt).toBeGreaterThan(3_500);
    expect(endedAt - startedAt).toBeLessThan(4_500);
  });

  it("opens each defect within the latency bound after its minimum duration was published", () => {
    const freezeLatency = latency(log.find("open", "freeze"), FREEZE.start + MIN_DURATION);
    const silenceLatency = latency(log.find("open", "silence"), SILENCE.start + MIN_DURATION);
    expect(freezeLatency).toBeLessThanOrEqual(LATENCY_BOUND_S + MACHINE_MARGIN_S);
    expect(silenceLatency).toBeLessThanOrEqual(LATENCY_BOUND_S + MACHINE_MARGIN_S);
  });

  it("closes each defect within the latency bound after its end was published", () => {
    expect(latency(log.find("close", "freeze"), FREEZE.end)).toBeLessThanOrEqual(
      LATENCY_BOUND_S + MACHINE_MARGIN_S,
    );
    expect(latency(log.find("close", "silence"), SILENCE.end)).toBeLessThanOrEqual(
      LATENCY_BOUND_S + MACHINE_MARGIN_S,
    );
  });

  it("reports no stream-level defect on a healthy stream", () => {
    const streamLevel = log.received.filter((r) =>
      ["stall", "video-loss", "audio-loss", "discontinuity"].includes(r.event.defect.type),
    );
    expect(streamLevel).toEqual([]);
    expect(summary.endReason).toBe("aborted");
    expect(summary.videoFrames).toBeGreaterThan(200);
  });

  it("gives the R128 figures of what it watched in its summary", () => {
    // The origin's tone: 1 kHz at 0.9 and 300 Hz at 0.1 of a −23 dBFS peak, which BS.1770 reads as −23.9 LUFS.
    expect(summary.loudness).toMatchObject({ target: -23, integrated: expect.closeTo(-23.9, 0) });
    expect(summary.loudness?.truePeak).toBeLessThan(-20);
    expect(summary.loudness?.maxShortTerm).toBeTypeOf("number");
    expect(summary.loudness?.range).toBeTypeOf("number");
  });

  function closeOf(type: "freeze" | "silence") {
    const event = log.find("close", type)?.event;
    if (event?.kind !== "close") throw new Error(`no close ${type}: ${log.summary()}`);
    return event.defect;
  }

  /** Seconds from the origin publishing `originTime` to the event reaching the listener. */
  function latency(received: ReceivedEvent | undefined, originTime: number): number {
    const published = origin.availableAt(originTime);
    if (!received || published === undefined)
      throw new Error(`missing event or publication: ${log.summary()}`);
    const seconds = (received.atMs - published) / 1000;
    process.stdout.write(
      `latency ${received.event.kind} ${received.event.defect.type}: ${seconds.toFixed(2)} s\n`,
    );
    return seconds;
  }
});
