/** A live job handed to a new worker in the middle of a caption loss: the live session alone, without ffmpeg. */
import { describe, expect, it } from "vitest";
import { createDetectors } from "../../core-service/src/detectors/registry.ts";
import type { LiveConnectionSink } from "../../core-service/src/live/live-connection.ts";
import { LiveSession } from "../../core-service/src/live/live-session.ts";
import { type LiveDetectorEvent, StreamThresholds } from "../../core-service/src/live/types.ts";
import type { MediaInfo } from "../../core-service/src/media/probe.ts";

const FPS = 25;
const RATE = 48000;
const SIZE = { width: 16, height: 8 };
const MEDIA: MediaInfo = {
  formatName: "mpegts",
  duration: undefined,
  video: {
    index: 0,
    codec: "h264",
    ...SIZE,
    fps: FPS,
    fpsRational: "25/1",
    offset: 0,
    range: "limited",
    bitDepth: 8,
  },
  audio: { index: 1, codec: "aac", sampleRate: RATE, channels: 1, channelLayout: "mono", offset: 0 },
  audioTracks: [{ index: 1, codec: "aac", sampleRate: RATE, channels: 1, channelLayout: "mono", offset: 0 }],
};
/** The previous worker saw the captions go at 100 s and watched the loss until 140 s. */
const RESUMED = {
  alertId: "captions-alert",
  defect: {
    type: "captions-lost" as const,
    start: 100,
    severity: "major" as const,
    confidence: 1,
    metrics: { duration: 35, programmeSeconds: 35 },
    startedAt: "2026-01-01T00:01:40.000Z",
  },
};

/** One second of stream from `from`: pictures (with captions when asked) and a tone, in stream order. */
function playSecond(sink: LiveConnectionSink, from: number, captions: boolean): void {
  const tone = Float32Array.from({ length: RATE / FPS }, (_, i) => 0.1 * Math.sin((2 * Math.PI * i) / 48));
  for (let n = 0; n < FPS; n++) {
    const time = from + n / FPS;
    // ffmpeg names a captioned picture on stderr just before the picture itself arrives.
    if (captions) sink.captions?.();
    sink.analysisFrame({ time, duration: 0, data: new Uint8Array(SIZE.width * SIZE.height).fill(128) });
    sink.audio({ time, duration: 1 / FPS, data: new Uint8Array(tone.buffer) });
  }
}

describe("a caption loss carried over to a new worker", () => {
  it("stays the same open alert while the captions are still missing, and closes when they return", () => {
    const events: LiveDetectorEvent[] = [];
    let nowMs = Date.parse("2026-01-01T00:02:20.000Z");
    const session = new LiveSession({
      detectors: createDetectors(["captions-lost"]),
      thresholds: StreamThresholds.parse({}),
      resume: {
        openDefects: [RESUMED],
        lastStreamTime: 140,
        lastSeenAt: new Date(nowMs).toISOString(),
        timelineOffsets: { video: 0, audio: 0 },
      },
      alertIdOf: () => "new-alert",
      emit: (event) => events.push(event),
      nowMs: () => nowMs,
    });
    session.connected();
    const sink = session.sink(MEDIA, SIZE);
    // 30 s without captions: past the grace a resumed defect has to be seen again (15 s).
    for (let second = 140; second < 170; second++) {
      playSecond(sink, second, false);
      nowMs += 1000;
      session.tick();
    }
    expect(events).toEqual([]);
    playSecond(sink, 170, true);
    session.tick();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: "close",
      alertId: "captions-alert",
      defect: { type: "captions-lost", start: 100, startedAt: RESUMED.defect.startedAt },
    });
    expect(events[0]?.kind === "close" && events[0].defect.end).toBeCloseTo(170 - 1 / FPS, 6);
  });
});
