/** The pure parts of the live engine, without ffmpeg. */
import { describe, expect, it } from "vitest";
import { AlertBook } from "../../core-service/src/live/alert-book.ts";
import { StreamHealth } from "../../core-service/src/live/stream-health.ts";
import { StreamTimeline } from "../../core-service/src/live/timeline.ts";
import { parseInputSummary } from "../../core-service/src/media/input-summary.ts";
import { PacketPairer, type TimedPacket } from "../../core-service/src/media/packet-pairer.ts";

const thresholds = { stallAfter: 5, lossAfter: 2, jumpTolerance: 1 };

describe("PacketPairer", () => {
  it("cuts the byte stream at the sizes framecrc gives and stamps each packet with its pts", () => {
    const packets: TimedPacket[] = [];
    const pairer = new PacketPairer((p) => packets.push(p));
    pairer.pushData(new Uint8Array([1, 2, 3]));
    pairer.pushTimes("#tb 0: 1/90000\n0,      90000,      90000,        0,        2, 0x0\n0,     93");
    pairer.pushData(new Uint8Array([4]));
    pairer.pushTimes("600,      93600,        0,        2, 0x0\n");
    expect(packets.map((p) => [p.time, [...p.data]])).toEqual([
      [1, [1, 2]],
      [1.04, [3, 4]],
    ]);
  });
});

describe("StreamTimeline", () => {
  it("splices a backwards timestamp jump so the timeline keeps running, and reports it", () => {
    const timeline = new StreamTimeline(1);
    timeline.place("video", 10, 0, 0);
    timeline.place("video", 10.04, 0, 40);
    const jumped = timeline.place("video", 2, 0, 80);
    expect(jumped.jump).toBeCloseTo(-8.08, 5);
    expect(jumped.time).toBeCloseTo(10.08, 5);
    expect(timeline.place("video", 2.04, 0, 120).time).toBeCloseTo(10.12, 5);
  });

  it("keeps a video gap that audio covered as a loss, not a jump", () => {
    const timeline = new StreamTimeline(1);
    timeline.place("video", 10, 0, 0);
    timeline.place("video", 10.04, 0, 40);
    for (let t = 10; t < 13; t += 0.1) timeline.place("audio", t, 0.1, 0);
    const back = timeline.place("video", 13, 0, 3000);
    expect(back.jump).toBeUndefined();
    expect(back.time).toBe(13);
  });

  it("keeps the gap of a reconnect when the stream's clock went on with the wall clock", () => {
    const timeline = new StreamTimeline(1);
    timeline.place("video", 10, 0, 0);
    timeline.reconnected();
    expect(timeline.place("video", 20, 0, 10_000)).toEqual({ time: 20 });
  });
});

describe("StreamHealth", () => {
  it("opens a stall after stallAfter seconds without media and clears it on the next packet", () => {
    const health = new StreamHealth(thresholds, 0);
    health.packet("video", 1, 1000);
    expect(health.tick(5_900)).toEqual([]);
    const [open] = health.tick(6_000);
    expect(open).toMatchObject({ kind: "open", defect: { type: "stall", start: 1 } });
    const [close] = health.packet("video", 9, 9_000);
    expect(close).toMatchObject({ kind: "close", defect: { type: "stall", start: 1, end: 9 } });
    expect(close?.defect.metrics.stallSeconds).toBe(8);
  });

  it("reports audio-loss when video runs on for lossAfter seconds without audio", () => {
    const health = new StreamHealth(thresholds, 0);
    health.packet("audio", 1, 0);
    expect(health.packet("video", 2.9, 0)).toEqual([]);
    const [open] = health.packet("video", 3, 0);
    expect(open).toMatchObject({ kind: "open", defect: { type: "audio-loss", start: 1 } });
    const [close] = health.packet("audio", 4, 0);
    expect(close).toMatchObject({ kind: "close", defect: { type: "audio-loss", start: 1, end: 4 } });
  });

  it("reports video-loss when a reconnection brings back only the sound, timed from the new connection", () => {
    const health = new StreamHealth(thresholds, 0);
    health.packet("video", 1, 0);
    health.packet("audio", 1, 0);
    health.reconnected();
    expect(health.packet("audio", 20, 0)).toEqual([]);
    expect(health.packet("audio", 21.9, 0)).toEqual([]);
    const [open] = health.packet("audio", 22, 0);
    expect(open).toMatchObject({ kind: "open", defect: { type: "video-loss", start: 20 } });
    const [close] = health.packet("video", 23, 0);
    expect(close).toMatchObject({ kind: "close", defect: { type: "video-loss", start: 20, end: 23 } });
  });

  it("expects no picture back from a source that never carried one", () => {
    const health = new StreamHealth(thresholds, 0);
    health.packet("audio", 1, 0);
    health.reconnected();
    expect([...health.packet("audio", 2, 0), ...health.packet("audio", 30, 0)]).toEqual([]);
  });

  it("reports a timestamp jump as one instant discontinuity even when both kinds jump", () => {
    const health = new StreamHealth(thresholds, 0);
    const events = [...health.packet("video", 10, 0, -8), ...health.packet("audio", 10.02, 0, -8)];
    expect(events.map((e) => `${e.kind} ${e.defect.type}`)).toEqual([
      "open discontinuity",
      "close discontinuity",
    ]);
  });
});

describe("AlertBook", () => {
  const freeze = {
    type: "freeze" as const,
    start: 5,
    severity: "minor" as const,
    confidence: 1,
    metrics: {},
  };
  let ids = 0;
  const newId = () => `alert-${++ids}`;

  it("does not re-announce a resumed defect and closes it under its original alertId and onset", () => {
    const book = new AlertBook(newId, [{ alertId: "kept", defect: freeze }]);
    expect(book.record({ kind: "open", defect: { ...freeze, start: 30 } })).toEqual([]);
    const [close] = book.record({ kind: "close", defect: { ...freeze, start: 30, end: 40 } });
    expect(close).toMatchObject({ alertId: "kept", defect: { start: 5, end: 40 } });
  });

  it("pairs each of two overlapping loudness defects (a burst and a true-peak over) with its own alert", () => {
    const loudness = { type: "loudness" as const, start: 10, severity: "major" as const, confidence: 1 };
    const burst = { ...loudness, metrics: { shortTerm: -5, aboveTarget: 18, target: -23 } };
    const over = { ...loudness, metrics: { truePeak: -0.5, maxTruePeak: -1 } };
    const book = new AlertBook(newId, []);
    const [burstOpen] = book.record({ kind: "open", defect: burst });
    const [overOpen] = book.record({ kind: "open", defect: over });
    const [overClose] = book.record({ kind: "close", defect: { ...over, end: 12 } });
    const [burstClose] = book.record({ kind: "close", defect: { ...burst, end: 15 } });
    expect(overOpen?.alertId).not.toBe(burstOpen?.alertId);
    expect(overClose).toMatchObject({ alertId: overOpen?.alertId, defect: { end: 12 } });
    expect(burstClose).toMatchObject({ alertId: burstOpen?.alertId, defect: { end: 15 } });
    expect(book.openAlerts()).toEqual([]);
  });

  it("confirms a resumed loudness defect only by a new one of the same measure", () => {
    const loudness = { type: "loudness" as const, start: 5, severity: "major" as const, confidence: 1 };
    const burst = { ...loudness, metrics: { shortTerm: -5, aboveTarget: 18, target: -23 } };
    const book = new AlertBook(newId, [{ alertId: "kept-burst", defect: burst }]);
    const [over] = book.record({
      kind: "open",
      defect: { ...loudness, start: 30, metrics: { truePeak: 0 } },
    });
    expect(over?.alertId).not.toBe("kept-burst");
    expect(book.hasUnconfirmed()).toBe(true);
    expect(book.record({ kind: "open", defect: { ...burst, start: 30 } })).toEqual([]);
    expect(book.hasUnconfirmed()).toBe(false);
  });

  it("closes a resumed defect that is not seen again where watching resumed", () => {
    const book = new AlertBook(newId, [{ alertId: "kept", defect: freeze }]);
    const [close] = book.expireResumed(() => true, 20, "2026-01-01T00:00:00.000Z");
    expect(close).toMatchObject({ kind: "close", alertId: "kept", defect: { start: 5, end: 20 } });
    expect(book.openAlerts()).toEqual([]);
  });
});

describe("parseInputSummary", () => {
  it("reads the first video and audio stream from ffmpeg's input summary", () => {
    const media = parseInputSummary(
      [
        "Input #0, hls,applehttp, from 'http://127.0.0.1/live.m3u8':",
        "    Stream #0:0: Video: h264 (High) ([27][0][0][0] / 0x001B), yuvj420p(pc), 1280x720 [SAR 1:1 DAR 16:9], 29.97 fps, 29.97 tbr, 90k tbn",
        "    Stream #0:1: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, 5.1(side), fltp",
      ].join("\n"),
    );
    expect(media?.video).toMatchObject({ index: 0, width: 1280, height: 720, fps: 29.97, range: "full" });
    expect(media?.audio).toMatchObject({ index: 1, sampleRate: 48000, channels: 6 });
  });

  it("lists the input's audio tracks only, not the streams of what the same ffmpeg writes", () => {
    const media = parseInputSummary(
      [
        "Input #0, mpegts, from 'x.ts':",
        "    Stream #0:0[0x100]: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp, 243 kb/s",
        "    Stream #0:1[0x101]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x180, 25 fps",
        "Output #0, framecrc, to 'pipe:':",
        "    Stream #0:0: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x180, 25 fps",
        "    Stream #0:1: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp, 243 kb/s",
        "Stream mapping:",
      ].join("\n"),
    );
    expect(media?.audioTracks.map((track) => track.index)).toEqual([0]);
    expect(media?.video?.index).toBe(1);
  });

  it("finds nothing when ffmpeg listed no stream", () => {
    expect(parseInputSummary("http://x/live.m3u8: Server returned 404 Not Found")).toBeUndefined();
  });
});
