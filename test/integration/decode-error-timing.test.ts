/**
 * Decoder complaints and keyframes get their media time from ffmpeg's own frame count (frame markers on
 * stderr), not from how far Node has read the frame pipes: a slow consumer holds frames back in pipes, never
 * complaints.
 */
import { describe, expect, it } from "vitest";
import type { DecodeErrorEvent } from "../../core-service/src/detectors/types.ts";
import { decode } from "../../core-service/src/media/decoder.ts";
import { probeSource } from "../../core-service/src/media/probe.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { CORPUS } from "../support/accuracy-corpus.ts";
import { makeClip } from "../support/test-media.ts";

/** The accuracy corpus's H.264 clip whose pictures from 4.0 to 4.6 s are damaged in transit. */
const DAMAGED = CORPUS.find((clip) => clip.name === "h264-ts-damaged-packets");
const DAMAGE = { start: 4, end: 4.6 };

async function damagedClip(): Promise<string> {
  if (!DAMAGED) throw new Error("the accuracy corpus has no h264-ts-damaged-packets clip");
  return makeClip(DAMAGED.spec);
}

async function complaintTimes(path: string, frameDelayMs: number): Promise<number[]> {
  const source = resolveSource(path, { allowLocalFiles: true });
  const media = await probeSource(source);
  const errors: DecodeErrorEvent[] = [];
  const slowly = () => new Promise<void>((resolve) => setTimeout(resolve, frameDelayMs));
  await decode(
    source,
    media,
    { analysisSize: { width: 160, height: 120 }, nativeFramesPerSecond: 5, audio: false, threads: 1 },
    {
      analysisFrame: () => (frameDelayMs > 0 ? slowly() : undefined),
      nativeFrame: () => (frameDelayMs > 0 ? slowly() : undefined),
      decodeError: (event) => {
        errors.push(event);
      },
    },
  );
  return errors.map((e) => e.time);
}

describe("decoder complaint times", () => {
  it("fall on the damaged pictures, the same whether the detectors keep up or not", async () => {
    const path = await damagedClip();
    const keepingUp = await complaintTimes(path, 0);
    const slow = await complaintTimes(path, 15);
    expect(keepingUp.length).toBeGreaterThan(0);
    // The decoder complains while decoding a picture, a few frames (its reorder delay and the fps filter's
    // one-frame hold) before that picture leaves the graph, so complaints may lead the damage slightly.
    expect(Math.min(...keepingUp)).toBeGreaterThanOrEqual(DAMAGE.start - 0.2);
    expect(Math.max(...keepingUp)).toBeLessThanOrEqual(DAMAGE.end + 0.2);
    expect(slow).toEqual(keepingUp);
  }, 60_000);
});

describe("keyframe markers", () => {
  it("fall on the clip's keyframes, one a second, damaged or not", async () => {
    const source = resolveSource(await damagedClip(), { allowLocalFiles: true });
    const media = await probeSource(source);
    const keyframes: number[] = [];
    let frames = 0;

    const result = await decode(
      source,
      media,
      { nativeFramesPerSecond: 5, audio: false, threads: 1, keyframes: true },
      {
        nativeFrame: () => {
          frames++;
        },
        keyframe: (time) => {
          keyframes.push(time);
        },
      },
    );

    // Keyframes every 25 frames at 25 fps (the damaged clips' fixed GOP), on the media timeline (the video may
    // start a little after the audio).
    const offset = media.video?.offset ?? Number.NaN;
    expect(keyframes.map((t) => Math.round((t - offset) * 1000) / 1000)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    // The markers are kept apart from the frames: every frame is still counted once.
    expect(result.videoFrames).toBe(250);
    expect(frames).toBe(50);
  }, 60_000);
});
