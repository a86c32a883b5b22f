/**
 * captions-lost on a live stream: a real MPEG-TS-over-HTTP origin on 127.0.0.1 publishes, in real time, H.264
 * with CEA-608 captions (caption-injector.ts) that are missing from 4 s to 13 s of the programme, under a
 * steady tone. The minimum duration is lowered to 5 s so the test runs in seconds, not minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import { makeCaptionClip } from "../support/caption-clips.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { EventLog } from "./live-events.ts";

const GAP = { start: 4, end: 13 };
const MIN_DURATION = 5;
/** The product's live alert bound (1 s) and a margin for a loaded 2-core machine, as in live-hls.test.ts. */
const LATENCY_BOUND_S = 1.75;

describe("live captions-lost", () => {
  let origin: LiveOrigin;
  const log = new EventLog();

  beforeAll(async () => {
    const clip = await makeCaptionClip({
      codec: "h264",
      container: "ts",
      duration: 20,
      fps: 25,
      captions: { gaps: [GAP] },
    });
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 20, clip });
    const stop = new AbortController();
    const run = analyzeLive(origin.url, {
      detectors: ["captions-lost", "silence"],
      thresholds: { "captions-lost": { minDuration: MIN_DURATION } },
      signal: stop.signal,
      onDetectorEvent: log.listener,
    });
    await log.waitFor("close", "captions-lost", 40_000).finally(() => stop.abort());
    await run;
  }, 60_000);

  afterAll(async () => {
    await origin?.close();
  });

  it("opens a captions-lost defect once the captions have been gone for the minimum, and closes it when they return", () => {
    const sequence = log.received.map((r) => `${r.event.kind} ${r.event.defect.type}`);
    expect(sequence).toEqual(["open captions-lost", "close captions-lost"]);
    const close = log.find("close", "captions-lost")?.event;
    expect(close?.alertId).toBe(log.find("open", "captions-lost")?.event.alertId);
    const defect = close?.defect;
    expect((defect?.end ?? 0) - (defect?.start ?? 0)).toBeGreaterThan(GAP.end - GAP.start - 0.25);
    expect((defect?.end ?? 0) - (defect?.start ?? 0)).toBeLessThan(GAP.end - GAP.start + 0.25);
    expect(defect?.metrics.programmeSeconds).toBeGreaterThan(GAP.end - GAP.start - 0.5);
  });

  it("opens within the live alert bound after the origin published the minimum duration's last picture", () => {
    const open = log.find("open", "captions-lost");
    const published = origin.availableAt(GAP.start + MIN_DURATION);
    expect(open && published).toBeTruthy();
    expect(((open?.atMs ?? 0) - (published ?? 0)) / 1000).toBeLessThanOrEqual(LATENCY_BOUND_S);
  });
});
