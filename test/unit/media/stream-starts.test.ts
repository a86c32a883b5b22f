import { describe, expect, it } from "vitest";
import type { MediaInfo } from "../../../core-service/src/media/probe.ts";
import { withStreamStarts } from "../../../core-service/src/media/stream-starts.ts";

const AAC = { index: 1, codec: "aac", sampleRate: 48000, channels: 2, channelLayout: "stereo", offset: 0 };

const media: MediaInfo = {
  formatName: "mpegts",
  duration: 12,
  video: {
    index: 0,
    codec: "h264",
    width: 320,
    height: 180,
    fps: 25,
    fpsRational: "25/1",
    offset: 0,
    range: "limited",
    bitDepth: 8,
  },
  audio: AAC,
  audioTracks: [AAC],
};

/** What ffmpeg 4.1 lists for a TS whose AAC starts one priming frame before the first picture. */
const listing = [
  "#tb 0: 1/90000",
  "#media_type 0: video",
  "#tb 1: 1/90000",
  "0,     126000,     133200,     3600,      792, 0x491e0b22, S=1,        1, 0x00e000e0",
  "0,     129600,     136800,     3600,       69, 0xd6821dd1, F=0x0, S=1,        1, 0x00e000e0",
  "1,     131280,     131280,     1920,       30, 0xc6f70a3b, S=1,        1, 0x00c000c0",
  "0,     133200,     151200,     3600,       22, 0x355906e1, F=0x0",
].join("\n");
const summary =
  "Input #0, mpegts, from 'x.ts':\n  Duration: 00:00:12.02, start: 1.458667, bitrate: 61 kb/s\n";

describe("stream starts from a packet listing", () => {
  it("places each stream from its earliest packet against the file's start", () => {
    const placed = withStreamStarts(media, listing, summary);

    expect(placed.video?.offset).toBeCloseTo(0.021333, 5);
    expect(placed.audio?.offset).toBeCloseTo(0, 5);
  });

  it("reads an audio-only listing as the audio's", () => {
    const audioOnly = { ...media, video: undefined };
    const text = "#tb 0: 1/48000\n0,       1024,       1024,     1024,      300, 0x1\n";

    expect(
      withStreamStarts(audioOnly, text, "Duration: 00:00:05.00, start: 0.000000,").audio?.offset,
    ).toBeCloseTo(1024 / 48000, 6);
  });

  it("places every audio track, each from its own packets (the pipes are cut by each track's offset)", () => {
    const second = { ...AAC, index: 2 };
    const twoTracks = { ...media, audioTracks: [AAC, second] };
    const text = `${listing}\n#tb 2: 1/90000\n2,     140280,     140280,     1920,       30, 0x1\n`;

    const placed = withStreamStarts(twoTracks, text, summary);

    expect(placed.audioTracks.map((t) => t.offset)).toEqual([expect.closeTo(0, 5), expect.closeTo(0.1, 5)]);
    expect(placed.audio).toBe(placed.audioTracks[0]);
  });

  it("keeps the summary's streams as they are when nothing was listed", () => {
    expect(withStreamStarts(media, "", summary)).toEqual(media);
  });
});
