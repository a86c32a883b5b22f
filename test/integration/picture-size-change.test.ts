/**
 * Pictures that are not the size the probe saw: a stream whose pictures change size midway (a new SPS in
 * MPEG-TS, an encoder reconfigured on air), or a source that changed between the probe and the decode (a live
 * encoder restarted with other settings before the connection). Every luma pipe must still carry records of
 * the probed size, the size its reader cuts them at, or every later frame is cut at the wrong place (frames of
 * garbage, times running past the end, a block measure reading past its picture).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { openLiveConnection } from "../../core-service/src/live/live-connection.ts";
import { decode } from "../../core-service/src/media/decoder.ts";
import { type MediaInfo, probeSource } from "../../core-service/src/media/probe.ts";
import { type ResolvedSource, resolveSource } from "../../core-service/src/media/source.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { resizedMidway } from "../support/hostile-media.ts";
import { makeWithFfmpeg } from "../support/test-media.ts";

const PROBED = { width: 320, height: 180 };
let resized: string;
let small: ResolvedSource;
let large: ResolvedSource;
let smallMedia: MediaInfo;

/** 2 s of H.264 at `size` in MPEG-TS. */
function clipOfSize(size: string): Promise<string> {
  return makeWithFfmpeg(
    [
      ...["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=25:duration=2`],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts"],
    ],
    "ts",
  );
}

beforeAll(async () => {
  resized = await resizedMidway();
  small = resolveSource(await clipOfSize("320x180"), { allowLocalFiles: true });
  large = resolveSource(await clipOfSize("480x270"), { allowLocalFiles: true });
  smallMedia = await probeSource(small);
});

/** The native frames' byte lengths when `source` is decoded as if it were what `media` describes. */
async function nativeLengths(source: ResolvedSource, media: MediaInfo): Promise<number[]> {
  const lengths: number[] = [];
  await decode(
    source,
    media,
    { nativeFramesPerSecond: 5, audio: false, threads: 1 },
    {
      nativeFrame: (frame) => {
        lengths.push(frame.data.length);
        expect(frame.data.length).toBe(frame.width * frame.height);
      },
    },
  );
  return lengths;
}

describe("pictures of another size than the probe saw", () => {
  it("reach the native-frame reader at the probed size when the size changes midway", async () => {
    const source = resolveSource(resized, { allowLocalFiles: true });
    const media = await probeSource(source);
    expect(media.video).toMatchObject(PROBED);
    const lengths = await nativeLengths(source, media);
    // 6 s at 5 a second; cut at the old size, the second half would give 2.25 times as many.
    expect(lengths.length).toBeGreaterThanOrEqual(29);
    expect(lengths.length).toBeLessThanOrEqual(31);
    expect(new Set(lengths)).toEqual(new Set([PROBED.width * PROBED.height]));
  });

  it("find the black picture after a change midway where it is, and nothing else", async () => {
    const report = await analyzeSource(resized, { allowLocalFiles: true });
    expect(report.defects.map((d) => d.type)).toEqual(["black"]);
    const [black] = report.defects;
    expect(Math.abs((black?.start ?? 0) - 4)).toBeLessThanOrEqual(0.25);
    expect(Math.abs((black?.end ?? 0) - 5.5)).toBeLessThanOrEqual(0.25);
  });

  it("reach the native-frame reader at the probed size when the source changed after the probe", async () => {
    const lengths = await nativeLengths(large, smallMedia);
    expect(lengths).toHaveLength(10);
    expect(new Set(lengths)).toEqual(new Set([PROBED.width * PROBED.height]));
  });

  it("reach a live connection's native frames at the probed size when the stream changed after the probe", async () => {
    const lengths: number[] = [];
    const connection = openLiveConnection(
      { ...large, kind: "url", input: `file:${large.input.replace(/^file:/, "")}` },
      smallMedia,
      { nativeFramesPerSecond: 2, audio: false, readTimeout: 5 },
      {
        analysisFrame: () => {},
        nativeFrame: (packet) => lengths.push(packet.data.length),
        audio: () => {},
        decodeError: () => {},
        segmentFailed: () => {},
        evidencePicture: () => {},
      },
    );
    const end = await connection.ended;
    expect(end.failure).toBeUndefined();
    expect(lengths.length).toBeGreaterThanOrEqual(3);
    expect(new Set(lengths)).toEqual(new Set([PROBED.width * PROBED.height]));
  });
});
