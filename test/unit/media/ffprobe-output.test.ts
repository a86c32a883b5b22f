import { describe, expect, it } from "vitest";
import { FfprobeOutput, parseFfprobeJson } from "../../../core-service/src/media/ffprobe-output.ts";
import { mediaInfoFrom, plausibleDuration } from "../../../core-service/src/media/probe.ts";

const surround = {
  format: { format_name: "mov,mp4,m4a,3gp,3g2,mj2", start_time: "0.000000", duration: "4.010000" },
  streams: [
    { index: 0, codec_type: "video", codec_name: "h264", width: 320, height: 180, avg_frame_rate: "25/1" },
    {
      index: 1,
      codec_type: "audio",
      codec_name: "aac",
      sample_rate: "48000",
      channels: 6,
      channel_layout: "5.1",
      start_time: "0.000000",
    },
  ],
};

describe("ffprobe output schema", () => {
  it("reads a 5.1 layout as text whether it arrives as a string or as the number a wrapper made of it", () => {
    const fromString = mediaInfoFrom(FfprobeOutput.parse(surround), "surround.mp4");
    const asNumber = structuredClone(surround) as { streams: Record<string, unknown>[] };
    (asNumber.streams[1] as Record<string, unknown>).channel_layout = 5.1;
    const fromNumber = mediaInfoFrom(FfprobeOutput.parse(asNumber), "surround.mp4");
    expect(fromString.audio).toMatchObject({ channels: 6, channelLayout: "5.1", sampleRate: 48000 });
    expect(fromNumber.audio?.channelLayout).toBe("5.1");
  });

  it("turns N/A, empty and garbage numbers into absent values instead of NaN or strings", () => {
    const parsed = FfprobeOutput.parse({
      format: { format_name: "mpegts", duration: "N/A", start_time: "" },
      streams: [{ index: "0", codec_type: "video", width: "wide", height: null, sample_rate: {} }],
    });
    expect(parsed.format?.duration).toBeUndefined();
    expect(parsed.format?.start_time).toBeUndefined();
    expect(parsed.streams[0]).toMatchObject({ index: 0, width: undefined, height: undefined });
  });

  it("keeps only well-formed parts of a malformed answer and says so when nothing is media", () => {
    const parsed = FfprobeOutput.parse({ format: "not an object", streams: [42, "x", { codec_type: 7 }] });
    expect(parsed.streams).toHaveLength(3);
    expect(() => mediaInfoFrom(parsed, "odd.bin")).toThrow(/no audio or video stream/);
  });

  it("reports text that is not JSON as unreadable rather than throwing a parse error", () => {
    expect(parseFfprobeJson('{"streams": [')).toBeUndefined();
  });

  it("refuses text files that ffmpeg would render as video", () => {
    const tty = {
      format: { format_name: "tty" },
      streams: [{ index: 0, codec_type: "video", codec_name: "ansi" }],
    };
    expect(() => mediaInfoFrom(FfprobeOutput.parse(tty), "notes.txt")).toThrow(
      /not a readable audio\/video file/,
    );
  });

  it("does not believe a duration or a stream start that one wild timestamp made (a 3 s file claiming 16 h)", () => {
    // ffprobe's answer for a fuzzed MPEG-TS whose first picture's PTS was damaged.
    const media = mediaInfoFrom(
      FfprobeOutput.parse({
        format: {
          format_name: "mpegts",
          start_time: "1.474667",
          duration: "59652.368889",
          size: "271848",
          bit_rate: "36",
        },
        streams: [
          {
            index: 0,
            codec_type: "video",
            codec_name: "h264",
            width: 320,
            height: 180,
            start_time: "59653.803556",
            duration: "0.040000",
          },
          {
            index: 1,
            codec_type: "audio",
            codec_name: "ac3",
            channels: 2,
            sample_rate: "48000",
            start_time: "1.474667",
            duration: "3.008000",
          },
        ],
      }),
      "case.ts",
    );
    expect(media.duration).toBeUndefined();
    expect(media.video?.offset).toBe(0);
  });
});

describe("plausibleDuration", () => {
  it("believes what real media declares", () => {
    expect(plausibleDuration(3600, 2_000_000, 3600)).toBe(3600);
    expect(plausibleDuration(20, undefined)).toBe(20);
  });

  it("drops a duration whose average bit rate no real media has, and one that outlasts its streams", () => {
    expect(plausibleDuration(59_652, 36)).toBeUndefined();
    expect(plausibleDuration(59_652, 500_000, 3.008)).toBe(3.008);
    expect(plausibleDuration(undefined, 500_000)).toBeUndefined();
    expect(plausibleDuration(0, 500_000)).toBeUndefined();
  });
});
