/**
 * The economy profile on a real MPEG-TS over HTTP origin (2 s GOPs, so a defect's onset falls between two
 * keyframes): defects are raised and timed as the full profile times them, a healthy stream never escalates,
 * an escalated stream goes back to economy after the quiet period, and aborting during an escalation leaves no
 * ffmpeg behind.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { DefectType } from "../../core-service/src/domain/defect.ts";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import type { LiveStats } from "../../core-service/src/live/types.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { type AudioEvent, makeClip, type VideoEvent } from "../support/test-media.ts";
import { waitFor } from "../worker/worker-harness.ts";
import { EventLog, isRunning } from "./live-events.ts";

const DETECTORS = ["black", "freeze", "silence"] as const;
/** The full profile's timing guarantee: onset to the frame; 0.25 s leaves room for one frame either way. */
const ONSET_TOLERANCE = 0.25;

function economyClip(duration: number, video: VideoEvent[], audio: AudioEvent[]): Promise<string> {
  return makeClip({
    duration,
    container: "ts",
    video: { codec: "libx264", size: "320x180", fps: "25", gop: 50, events: video },
    audio: { codec: "aac", channels: 2, events: audio },
  });
}

describe("live analysis in the economy profile", () => {
  let origin: LiveOrigin | undefined;
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
  });

  it("raises and closes a black, a freeze and a silence at the full profile's times, and goes back to economy between them", async () => {
    const clip = await economyClip(
      44,
      [
        { type: "black", start: 7.3, end: 10.3 },
        { type: "freeze", start: 25.5, end: 30.5 },
      ],
      [{ type: "silence", start: 34, end: 37 }],
    );
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 44, clip });
    const economy = new EventLog();
    const full = new EventLog();
    const stats: LiveStats[] = [];
    const common = { detectors: [...DETECTORS], maxDuration: 42 };
    const [economySummary] = await Promise.all([
      analyzeLive(origin.url, {
        ...common,
        profile: "economy",
        onDetectorEvent: economy.listener,
        onStats: (s) => stats.push(s),
        statsInterval: 0.2,
      }),
      analyzeLive(origin.url, { ...common, onDetectorEvent: full.listener }),
    ]);

    for (const type of DETECTORS satisfies readonly DefectType[]) {
      const fullOpen = full.find("open", type)?.event.defect;
      const economyOpen = economy.find("open", type)?.event.defect;
      expect(fullOpen, `full ${type}: ${full.summary()}`).toBeDefined();
      expect(economyOpen, `economy ${type}: ${economy.summary()}`).toBeDefined();
      const onsets = `${type}: economy ${economyOpen?.start}, full ${fullOpen?.start}`;
      expect(Math.abs((economyOpen?.start ?? 0) - (fullOpen?.start ?? 0)), onsets).toBeLessThanOrEqual(
        ONSET_TOLERANCE,
      );
      const economyClose = economy.find("close", type)?.event.defect;
      expect(economyClose?.end).toBeDefined();
      expect(economyClose?.end ?? 0).toBeGreaterThan(economyClose?.start ?? 0);
    }
    // Against the programme itself: the freeze began 18.2 s after the black.
    const black = economy.find("open", "black")?.event.defect.start ?? 0;
    const freeze = economy.find("open", "freeze")?.event.defect.start ?? 0;
    expect(Math.abs(freeze - black - 18.2)).toBeLessThanOrEqual(ONSET_TOLERANCE);
    expect(economy.summary()).toBe(full.summary());

    // Escalated for the black, back to economy after the quiet period, escalated again for the freeze.
    expect(stats.every((s) => s.profile === "economy")).toBe(true);
    const firstEscalated = stats.findIndex((s) => s.escalated === true);
    const backToEconomy = stats.findIndex((s, i) => i > firstEscalated && s.escalated === false);
    expect(firstEscalated).toBeGreaterThanOrEqual(0);
    expect(backToEconomy).toBeGreaterThan(firstEscalated);
    expect(stats[backToEconomy]?.escalations?.count).toBe(1);
    expect(stats.at(-1)?.escalations?.count).toBe(2);
    expect(economySummary.defectsOpened).toBe(economySummary.defectsClosed);
  }, 90_000);

  it("never escalates a healthy stream and raises nothing, not even a video loss", async () => {
    const clip = await economyClip(30, [], []);
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 30, clip });
    const log = new EventLog();
    let last: LiveStats | undefined;
    const summary = await analyzeLive(origin.url, {
      detectors: ["black", "freeze", "blockiness", "silence"],
      profile: "economy",
      maxDuration: 26,
      onDetectorEvent: log.listener,
      onStats: (s) => {
        last = s;
      },
    });
    expect(log.summary()).toBe("nothing");
    expect(last?.profile).toBe("economy");
    expect(last?.escalations).toEqual({ count: 0 });
    expect(summary.videoFrames).toBeGreaterThan(0);
  }, 60_000);

  it("leaves no ffmpeg running when stopped during an escalation", async () => {
    const clip = await economyClip(40, [{ type: "black", start: 5, end: 38 }], []);
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 40, clip });
    const pids: number[] = [];
    let escalated = false;
    const stop = new AbortController();
    const run = analyzeLive(origin.url, {
      detectors: ["black"],
      profile: "economy",
      signal: stop.signal,
      onDetectorEvent: () => {},
      onProcess: ({ pid }) => pid && pids.push(pid),
      onStats: (s) => {
        escalated ||= s.escalated === true;
      },
      statsInterval: 0.2,
    });
    await waitFor(() => escalated, 25_000);
    expect(pids.length).toBe(2);
    expect(pids.every(isRunning)).toBe(true);
    stop.abort();
    await run;
    expect(pids.filter(isRunning)).toEqual([]);
  }, 60_000);
});
