/**
 * The sync and channel detectors on live MPEG-TS over HTTP: a flash/beep test signal with the audio 300 ms late,
 * a programme with a dead right leg, then an inverted one, then line-up tone, and an encoder whose audio clock
 * runs 2 % fast (with its negative: clocks that agree). Times are on the stream's own timeline.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import type { LiveOptions } from "../../core-service/src/live/types.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { makeProgrammeClip, makeSyncClip } from "../support/signal-media.ts";
import { type PacedOrigin, startPacedOrigin, stretchAudioTimestamps } from "../support/slipping-clock.ts";
import { makeWithFfmpeg } from "../support/test-media.ts";
import { EventLog } from "./live-events.ts";

/** Stream times of a live defect are on the stream's clock: onsets within half a second (TS start, joining). */
const ONSET_TOLERANCE_S = 0.5;

let origin: LiveOrigin | undefined;
let paced: PacedOrigin | undefined;
afterEach(async () => {
  await origin?.close();
  await paced?.close();
  origin = undefined;
  paced = undefined;
});

/** 40 s of a small test picture and a 440 Hz tone, MPEG-TS, for the clock tests. */
function fortySecondTs(): Promise<string> {
  const picture = ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=40"];
  const sound = ["-f", "lavfi", "-i", "sine=f=440:r=48000:d=40"];
  const codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-f", "mpegts"];
  return makeWithFfmpeg([...picture, ...sound, ...codecs], "ts");
}

/** Follows the origin until `until` has been seen (or fails after `timeoutMs`), then stops. */
async function follow(
  url: string,
  options: Pick<LiveOptions, "detectors" | "thresholds" | "profile">,
  until: (log: EventLog, timeoutMs: number) => Promise<unknown>,
  timeoutMs: number,
): Promise<EventLog> {
  const log = new EventLog();
  const stop = new AbortController();
  const run = analyzeLive(url, { ...options, signal: stop.signal, onDetectorEvent: log.listener });
  try {
    await until(log, timeoutMs);
  } finally {
    stop.abort();
    await run;
  }
  return log;
}

describe("sync and channel detectors on a live stream", () => {
  it("measures a live flash/beep signal's audio 300 ms late to within 10 ms", async () => {
    const clip = await makeSyncClip({
      seconds: 14,
      container: "ts",
      background: "black",
      stretches: [{ from: 0, to: 100, offsetMs: 300 }],
    });
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 14, clip });

    const log = await follow(
      origin.url,
      { detectors: ["av-sync"] },
      (l, t) => l.waitFor("open", "av-sync", t),
      30_000,
    );

    const opened = log.find("open", "av-sync")?.event.defect;
    expect(opened?.metrics.method).toBe("test-signal");
    expect(Math.abs(Number(opened?.metrics.offsetMs) - 300)).toBeLessThanOrEqual(10);
  }, 60_000);

  it("reports a dead right leg, then an inverted one, then line-up tone, naming the channels", async () => {
    const clip = await makeProgrammeClip({
      seconds: 31,
      container: "ts",
      layout: "stereo",
      video: true,
      // The first defect begins late enough for the analysis to have joined the stream (probe, first keyframe).
      events: [
        { type: "drop", channels: ["FR"], from: 4, to: 11 },
        { type: "invert", channels: ["FR"], from: 13, to: 19 },
        { type: "tone", channels: ["FL", "FR"], from: 21, to: 28 },
      ],
    });
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 31, clip });

    const log = await follow(
      origin.url,
      { detectors: ["channel-loss", "phase", "test-signal"] },
      (l, t) => l.waitFor("close", "test-signal", t),
      45_000,
    );

    const closed = (type: "channel-loss" | "phase" | "test-signal") => log.find("close", type)?.event.defect;
    const sequence = log.received
      .map((r) => `${r.event.kind} ${r.event.defect.type}`)
      .filter((e) => !/stall/.test(e));
    expect(sequence).toEqual([
      "open channel-loss",
      "close channel-loss",
      "open phase",
      "close phase",
      "open test-signal",
      "close test-signal",
    ]);
    const loss = closed("channel-loss");
    const phase = closed("phase");
    const tone = closed("test-signal");
    expect(loss?.metrics.channels).toEqual(["FR"]);
    expect(phase?.metrics.channels).toEqual(["FL", "FR"]);
    expect(tone?.metrics.signal).toBe("line-up-tone");
    // The windows keep their places and lengths on the stream's clock.
    expect(Math.abs(Number(phase?.start) - Number(loss?.start) - 9)).toBeLessThanOrEqual(ONSET_TOLERANCE_S);
    expect(Math.abs(Number(tone?.start) - Number(loss?.start) - 17)).toBeLessThanOrEqual(ONSET_TOLERANCE_S);
    expect(Number(loss?.metrics.duration)).toBeCloseTo(7, 0);
    expect(Number(phase?.metrics.duration)).toBeCloseTo(6, 0);
    expect(Number(tone?.metrics.duration)).toBeCloseTo(7, 0);
  }, 90_000);

  it.each(["full", "economy"] as const)(
    "reports audio timestamps drifting away from the pictures and from arrival (a slipping audio clock), %s profile",
    async (profile) => {
      const clip = await fortySecondTs();
      // 2 % fast: 20 ms a second, past the clocks' 400 ms drift floor about 20 s after the baseline window.
      paced = await startPacedOrigin(stretchAudioTimestamps(readFileSync(clip), 1.02));

      const log = await follow(
        paced.url,
        { detectors: ["av-sync"], thresholds: { "av-sync": { driftWindow: 4 } }, profile },
        (l, t) => l.waitFor("open", "av-sync", t),
        45_000,
      );

      const opened = log.find("open", "av-sync")?.event.defect;
      expect(opened?.metrics.method).toBe("timestamps");
      expect(Number(opened?.metrics.offsetMs)).toBeGreaterThan(185);
      expect(Number(opened?.metrics.audioClockDriftMs)).toBeGreaterThan(150);
      expect(Math.abs(Number(opened?.metrics.videoClockDriftMs))).toBeLessThan(100);
    },
    90_000,
  );

  it("raises no av-sync on a live stream whose clocks agree", async () => {
    const clip = await fortySecondTs();
    paced = await startPacedOrigin(readFileSync(clip));

    const log = await follow(
      paced.url,
      { detectors: ["av-sync"], thresholds: { "av-sync": { driftWindow: 4 } } },
      (l) => sleep(20_000).then(() => l),
      0,
    );

    expect(log.received.filter((r) => r.event.defect.type === "av-sync")).toEqual([]);
  }, 60_000);
});
