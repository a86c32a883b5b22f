/**
 * The A/V drift of a live stream's clocks is read from its packets as ffmpeg reads them (the clock pipes), not
 * from decoded media: on a busy machine pictures leave the decoder ever later than the sound read with them,
 * which once raised av-sync on healthy streams. From the live session alone (no ffmpeg), with a virtual clock.
 */
import { describe, expect, it } from "vitest";
import { createDetectors } from "../../core-service/src/detectors/registry.ts";
import { LiveSession } from "../../core-service/src/live/live-session.ts";
import type { MediaKind } from "../../core-service/src/live/timeline.ts";
import { type LiveDetectorEvent, StreamThresholds } from "../../core-service/src/live/types.ts";
import type { MediaInfo } from "../../core-service/src/media/probe.ts";

const RATE = 48000;
const AUDIO_PACKET = 1024 / RATE;
const FPS = 30;
const SIZE = { width: 32, height: 18 };
const SECONDS = 40;
const TRACK = { index: 1, codec: "aac", sampleRate: RATE, channels: 1, channelLayout: "mono", offset: 0 };
const MEDIA: MediaInfo = {
  formatName: "mpegts",
  duration: undefined,
  video: {
    index: 0,
    codec: "h264",
    width: 320,
    height: 180,
    fps: FPS,
    fpsRational: "30/1",
    range: "limited",
    bitDepth: 8,
    offset: 0,
  },
  audio: TRACK,
  audioTracks: [TRACK],
};
const START_MS = Date.parse("2026-01-01T00:00:00.000Z");

interface Scenario {
  /** Raw timestamp the source stamps on the audio packet of stream time t (a slipping clock stretches it). */
  readonly audioStamp: (time: number) => number;
  /** Extra ms after which a decoded picture of stream time t reaches the session (a decoder falling behind). */
  readonly decodeLagMs: (time: number) => number;
}

interface Arrival {
  readonly atMs: number;
  readonly deliver: () => void;
}

/** Plays SECONDS of a stream into a session with av-sync; every packet reaches ffmpeg 200 ms after its time. */
function play(scenario: Scenario): LiveDetectorEvent[] {
  const events: LiveDetectorEvent[] = [];
  let nowMs = START_MS;
  const session = new LiveSession({
    detectors: createDetectors(["av-sync"], { "av-sync": { driftWindow: 4 } }),
    thresholds: StreamThresholds.parse({}),
    alertIdOf: (defect) => `alert-${defect.type}`,
    emit: (event) => events.push(event),
    nowMs: () => nowMs,
  });
  session.connected();
  const sink = session.sink(MEDIA, SIZE);
  const arrivals: Arrival[] = [];
  const readAt = (time: number) => START_MS + time * 1000 + 200;
  const clock = (kind: MediaKind, time: number, stamp: number, duration: number) =>
    arrivals.push({
      atMs: readAt(time),
      deliver: () => sink.clockPacket?.(kind, { time: stamp, duration, size: 1000, key: true }),
    });
  for (let n = 0; n / FPS < SECONDS; n++) {
    const time = n / FPS;
    clock("video", time, time, 0);
    const data = new Uint8Array(SIZE.width * SIZE.height).fill(120);
    arrivals.push({
      atMs: readAt(time) + scenario.decodeLagMs(time),
      deliver: () => sink.analysisFrame({ time, duration: 1 / FPS, data }),
    });
  }
  for (let n = 0; n * AUDIO_PACKET < SECONDS; n++) {
    const time = n * AUDIO_PACKET;
    const stamp = scenario.audioStamp(time);
    clock("audio", time, stamp, AUDIO_PACKET);
    const tone = Float32Array.from({ length: 1024 }, (_, i) => 0.1 * Math.sin((2 * Math.PI * i) / 48));
    arrivals.push({
      atMs: readAt(time) + 5,
      deliver: () => sink.audio({ time: stamp, duration: AUDIO_PACKET, data: new Uint8Array(tone.buffer) }),
    });
  }
  arrivals.sort((a, b) => a.atMs - b.atMs);
  for (const arrival of arrivals) {
    nowMs = arrival.atMs;
    arrival.deliver();
    session.tick();
  }
  session.closeEverything();
  return events;
}

const avSyncOpens = (events: readonly LiveDetectorEvent[]) =>
  events.filter((e) => e.kind === "open" && e.defect.type === "av-sync");

describe("the A/V drift of a live stream's clocks", () => {
  it("is not raised when decoded pictures fall a second behind the sound on a busy machine", () => {
    // The decoder loses 30 ms a second from 10 s on: 0.9 s behind at the end, far beyond the 185 ms tolerance.
    const events = play({ audioStamp: (t) => t, decodeLagMs: (t) => Math.max(0, t - 10) * 30 });
    expect(avSyncOpens(events)).toEqual([]);
  });

  it("is raised when the audio clock runs 2 % fast, whatever the decoder does", () => {
    const events = play({ audioStamp: (t) => t * 1.02, decodeLagMs: () => 0 });
    const [open] = avSyncOpens(events);
    // Sound stamped ever later than the pictures it came with: positive, audio late. 20 ms a second from the
    // baseline (one 4 s window in) passes the 400 ms drift floor 20 s later.
    expect(open?.defect.metrics?.offsetMs).toBeGreaterThan(400);
    expect(open?.defect.start).toBeGreaterThan(20);
    expect(open?.defect.start).toBeLessThan(28);
  });
});
