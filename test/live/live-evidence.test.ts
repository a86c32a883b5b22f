/**
 * Evidence of a live stream's defects from its one ffmpeg (a real MPEG-TS-over-HTTP origin): the black onset's
 * picture is black, the freeze's is the colour programme, the silence is a level strip, and a stall (the
 * origin killed) shows the last picture that came. Every Defect Detected-to-be carries its evidence; closes none.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DefectType } from "../../core-service/src/domain/defect.ts";
import { EVIDENCE_FORMATS, type EvidenceImage } from "../../core-service/src/domain/evidence.ts";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { decodePicture, meanLevel, meanSaturation } from "../support/picture-content.ts";
import { EventLog } from "./live-events.ts";

// Late enough in the programme that a slow start (ffmpeg 5.1 on a loaded machine takes seconds) misses none.
const BLACK = { start: 10, end: 13 };
const FREEZE = { start: 15, end: 18 };
const SILENCE = { start: 19, end: 22 };

describe("evidence of a live stream's defects", () => {
  let origin: LiveOrigin;
  const log = new EventLog();
  const images = new Map<DefectType, EvidenceImage>();
  const kept: string[] = [];

  beforeAll(async () => {
    origin = await startLiveOrigin({
      protocol: "mpegts-http",
      duration: 40,
      video: [
        { type: "black", ...BLACK },
        { type: "freeze", ...FREEZE },
      ],
      audio: [{ type: "silence", ...SILENCE }],
    });
    const stop = new AbortController();
    const run = analyzeLive(origin.url, {
      detectors: ["black", "freeze", "silence"],
      reconnect: { initialDelay: 0.2, maxDelay: 0.5 },
      signal: stop.signal,
      onDetectorEvent: log.listener,
      evidence: async (event, image) => {
        kept.push(`${event.kind} ${event.defect.type}`);
        images.set(event.defect.type, image);
        return { thumbnail: `memory:${event.alertId}`, at: image.at };
      },
    });
    try {
      await log.waitFor("close", "silence", 60_000);
      await origin.kill();
      await log.waitFor("open", "stall", 30_000);
    } finally {
      stop.abort();
      await run;
    }
  }, 120_000);

  afterAll(async () => {
    await origin?.close();
  });

  it("keeps an image for each defect's open, and names it on that open only", () => {
    expect(kept).toEqual(["open black", "open freeze", "open silence", "open stall"]);
    for (const { event } of log.received) {
      if (event.kind === "open") expect(event.evidence?.thumbnail).toBe(`memory:${event.alertId}`);
      else expect(event.evidence).toBeUndefined();
    }
  });

  it("shows the black onset as a black picture from inside the black", () => {
    const image = images.get("black");
    const open = log.find("open", "black")?.event;
    expect(image?.format).toBe(EVIDENCE_FORMATS.picture);
    expect(image?.at).toBeGreaterThanOrEqual(open?.defect.start ?? Number.NaN);
    const picture = decodePicture(image?.bytes ?? new Uint8Array());
    expect(picture).toMatchObject({ width: 320, height: 180 });
    expect(meanLevel(picture)).toBeLessThan(12);
  });

  it("shows the freeze in colour", () => {
    const picture = decodePicture(images.get("freeze")?.bytes ?? new Uint8Array());
    expect(meanSaturation(picture)).toBeGreaterThan(60);
  });

  it("draws the silence as a level strip", () => {
    const image = images.get("silence");
    expect(image?.format).toBe(EVIDENCE_FORMATS.sound);
    expect(new TextDecoder().decode(image?.bytes)).toMatch(/^<svg [^>]*role="img" aria-label="silence at /);
  });

  it("shows a stall as the last picture that arrived before it", () => {
    const image = images.get("stall");
    const stall = log.find("open", "stall")?.event;
    expect(image?.format).toBe(EVIDENCE_FORMATS.picture);
    expect(image?.at).toBeLessThanOrEqual((stall?.defect.start ?? Number.NaN) + 0.5);
    expect(meanSaturation(decodePicture(image?.bytes ?? new Uint8Array()))).toBeGreaterThan(60);
  });
});
