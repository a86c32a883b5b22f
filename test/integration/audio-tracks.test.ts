/**
 * Every audio track is analysed: broadcast files carry several (often one mono track per channel), and a
 * silence or a clipped passage on any of them is a defect, reported with its track. The report lists every
 * track with its own loudness.
 */
import { describe, expect, it } from "vitest";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { decode } from "../../core-service/src/media/decoder.ts";
import { probeSource } from "../../core-service/src/media/probe.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { makeDelivery } from "../support/delivery-media.ts";

const picture = {
  size: "320x180",
  fps: "25",
  encode: ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"],
} as const;

const near = (value: number | undefined, expected: number) =>
  Math.abs((value ?? Number.NaN) - expected) <= 0.25;
const found = (
  defects: readonly Defect[],
  type: string,
  track: number | undefined,
  start: number,
  end: number,
) => defects.filter((d) => d.type === type && d.track === track && near(d.start, start) && near(d.end, end));

describe("a source with several audio tracks", () => {
  it("reports each track's silence and clipping with its track, one mono PCM track per channel (MOV)", async () => {
    const path = await makeDelivery({
      duration: 12,
      format: "mov",
      extension: "mov",
      video: picture,
      audio: [
        { layout: "mono", codec: "pcm_s24le", events: [{ type: "silence", start: 2, end: 5 }] },
        { layout: "mono", codec: "pcm_s24le" },
        { layout: "mono", codec: "pcm_s24le", events: [{ type: "silence", start: 6, end: 9 }] },
        { layout: "mono", codec: "pcm_s24le", events: [{ type: "clip", start: 3, end: 4 }] },
      ],
    });
    const report = await analyzeSource(path, { allowLocalFiles: true });
    const audioDefects = report.defects.filter((d) => ["silence", "clipping"].includes(d.type));
    expect(found(audioDefects, "silence", 1, 2, 5)).toHaveLength(1);
    expect(found(audioDefects, "silence", 3, 6, 9)).toHaveLength(1);
    expect(found(audioDefects, "clipping", 4, 3, 4)).toHaveLength(1);
    expect(audioDefects).toHaveLength(3);
    expect(report.media.audioTracks?.map((t) => [t.track, t.codec, t.channels])).toEqual([
      [1, "pcm_s24le", 1],
      [2, "pcm_s24le", 1],
      [3, "pcm_s24le", 1],
      [4, "pcm_s24le", 1],
    ]);
    // Each track measured on its own: the clean track reads about its −23 dBFS tone's loudness.
    for (const track of report.media.audioTracks ?? [])
      expect(track.loudness?.integrated).toBeTypeOf("number");
    expect(report.loudness).toEqual(report.media.audioTracks?.[0]?.loudness);
  });

  it("analyses a 5.1 track and a stereo track of AAC in Matroska each in its own layout", async () => {
    const path = await makeDelivery({
      duration: 10,
      format: "matroska",
      extension: "mkv",
      video: picture,
      audio: [
        { layout: "5.1", codec: "aac", bitrate: "256k" },
        { layout: "stereo", codec: "aac", bitrate: "128k", events: [{ type: "silence", start: 4, end: 7 }] },
      ],
    });
    const report = await analyzeSource(path, { allowLocalFiles: true });
    expect(report.defects.map((d) => [d.type, d.track])).toEqual([["silence", 2]]);
    expect(found(report.defects, "silence", 2, 4, 7)).toHaveLength(1);
    expect(report.media.audioTracks?.map((t) => [t.channels, t.channelLayout])).toEqual([
      [6, "5.1"],
      [2, "stereo"],
    ]);
  });

  it("leaves the defects of a single-track source without a track", async () => {
    const path = await makeDelivery({
      duration: 8,
      format: "mp4",
      extension: "mp4",
      video: picture,
      audio: [{ layout: "stereo", codec: "aac", events: [{ type: "silence", start: 2, end: 5 }] }],
    });
    const report = await analyzeSource(path, { allowLocalFiles: true });
    expect(report.defects.map((d) => [d.type, d.track])).toEqual([["silence", undefined]]);
    expect(report.media.audioTracks).toHaveLength(1);
  });
});

describe("audio that is not in the layout the probe saw", () => {
  it("reaches the reader in the probed layout and rate (the stream changed after the probe: 2.0 became 5.1)", async () => {
    const sound = (layout: "stereo" | "5.1", sampleRate: number) =>
      makeDelivery({
        duration: 4,
        format: "matroska",
        extension: "mka",
        audio: [{ layout, codec: "aac", sampleRate }],
      });
    const probed = await probeSource(resolveSource(await sound("stereo", 48000), { allowLocalFiles: true }));
    let channels = 0;
    const result = await decode(
      resolveSource(await sound("5.1", 44100), { allowLocalFiles: true }),
      probed,
      { audio: true, threads: 1 },
      {
        audio: (chunk) => {
          channels = chunk.channels;
        },
      },
    );
    expect(channels).toBe(2);
    // Read as stereo at 48 kHz, 5.1 at 44.1 kHz would last 4 × 3 × 44.1 / 48 = 11 s.
    expect(result.audioSeconds).toBeGreaterThan(3.9);
    expect(result.audioSeconds).toBeLessThan(4.2);
  });
});
