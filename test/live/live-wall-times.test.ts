/**
 * The wall-clock times of a live defect, from the live session alone (no ffmpeg): a stream that reaches us
 * sooner after the onset than before it (an HLS reader catching up, a machine that was busy) still gives a
 * defect as long by the wall clock as on the stream's own timeline.
 */
import { describe, expect, it } from "vitest";
import { createDetectors } from "../../core-service/src/detectors/registry.ts";
import { LiveSession } from "../../core-service/src/live/live-session.ts";
import { type LiveDetectorEvent, StreamThresholds } from "../../core-service/src/live/types.ts";
import type { MediaInfo } from "../../core-service/src/media/probe.ts";

const RATE = 48000;
const CHUNK_SECONDS = 0.04;
const TRACK = { index: 0, codec: "aac", sampleRate: RATE, channels: 1, channelLayout: "mono", offset: 0 };
const MEDIA: MediaInfo = {
  formatName: "mpegts",
  duration: undefined,
  video: undefined,
  audio: TRACK,
  audioTracks: [TRACK],
};
const SILENCE = { start: 5, end: 9 };
const START_MS = Date.parse("2026-01-01T00:00:00.000Z");

/** Audio chunks of a tone with a silence, each arriving `lagMs(time)` after its time on the wall clock. */
function play(lagMs: (time: number) => number): LiveDetectorEvent[] {
  const events: LiveDetectorEvent[] = [];
  let nowMs = START_MS;
  const session = new LiveSession({
    detectors: createDetectors(["silence"], { silence: { minDuration: 2 } }),
    thresholds: StreamThresholds.parse({}),
    alertIdOf: (defect) => `alert-${defect.type}`,
    emit: (event) => events.push(event),
    nowMs: () => nowMs,
  });
  session.connected();
  const sink = session.sink(MEDIA);
  const samples = Math.round(RATE * CHUNK_SECONDS);
  for (let n = 0; n * CHUNK_SECONDS < 14; n++) {
    const time = n * CHUNK_SECONDS;
    const silent = time >= SILENCE.start && time < SILENCE.end;
    const chunk = Float32Array.from({ length: samples }, (_, i) =>
      silent ? 0 : 0.1 * Math.sin((2 * Math.PI * (n * samples + i)) / 48),
    );
    nowMs = START_MS + time * 1000 + lagMs(time);
    sink.audio({ time, duration: CHUNK_SECONDS, data: new Uint8Array(chunk.buffer) });
    session.tick();
  }
  return events;
}

function wallSpanOfClose(events: readonly LiveDetectorEvent[]): { startedAt: number; endedAt: number } {
  const close = events.find((e) => e.kind === "close" && e.defect.type === "silence");
  if (close?.kind !== "close") throw new Error(`no close of the silence in ${JSON.stringify(events)}`);
  return {
    startedAt: Date.parse(close.defect.startedAt ?? ""),
    endedAt: Date.parse(close.defect.endedAt ?? ""),
  };
}

describe("the wall-clock times of a live defect", () => {
  it("span as long as the defect on the stream when the stream reaches us sooner after its onset", () => {
    // 900 ms behind until the defect has opened, then 100 ms: the lag baseline moves by 800 ms in between.
    const events = play((time) => (time < 8 ? 900 : 100));
    const open = events.find((e) => e.kind === "open" && e.defect.type === "silence");
    const { startedAt, endedAt } = wallSpanOfClose(events);
    expect(startedAt).toBe(Date.parse(open?.defect.startedAt ?? ""));
    expect((endedAt - startedAt) / 1000).toBeCloseTo(SILENCE.end - SILENCE.start, 1);
  });

  it("put the onset where the stream first reached us soonest", () => {
    const { startedAt, endedAt } = wallSpanOfClose(play(() => 300));
    expect(startedAt - START_MS).toBeCloseTo(SILENCE.start * 1000 + 300, -1);
    expect(endedAt - START_MS).toBeCloseTo(SILENCE.end * 1000 + 300, -1);
  });
});
