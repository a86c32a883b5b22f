import { describe, expect, it } from "vitest";
import { DecoderComplaints, parseDecoderComplaint } from "../../core-service/src/media/decoder-complaints.ts";

/** Lines ffmpeg 4.1 (bundled) and 5.1 (Debian) printed while decoding damaged clips, video stream 0. */
const COMPLAINTS: readonly (readonly [string, string])[] = [
  [
    "[h264 @ 0x2ebb6e80] concealing 588 DC, 588 AC, 588 MV errors in B frame",
    "h264: concealing 588 DC, 588 AC, 588 MV errors in B frame",
  ],
  [
    "[h264 @ 0x2ebb6e80] error while decoding MB 21 9, bytestream 3205",
    "h264: error while decoding MB 21 9, bytestream 3205",
  ],
  [
    "[h264 @ 0x1a58e680] cabac decode of qscale diff failed at 15 13",
    "h264: cabac decode of qscale diff failed at 15 13",
  ],
  [
    "[h264 @ 0x1a59e180] left block unavailable for requested intra mode",
    "h264: left block unavailable for requested intra mode",
  ],
  ["[hevc @ 0x55d0c0a3e2c0] Could not find ref with POC 12", "hevc: Could not find ref with POC 12"],
  ["[hevc @ 0x55d0c0a3e2c0] PPS id out of range: 3", "hevc: PPS id out of range: 3"],
  ["[hevc @ 0x55d0c0a3e2c0] Error parsing NAL unit #4.", "hevc: Error parsing NAL unit #4."],
  ["[vp9 @ 0x5581f43b1a40] Marker bit was set", "vp9: Marker bit was set"],
  ["[mpeg2video @ 0x42dbf1c0] ac-tex damaged at 15 9", "mpeg2video: ac-tex damaged at 15 9"],
  ["[mpeg2video @ 0x42dbf1c0] Warning MVs not available", "mpeg2video: Warning MVs not available"],
  [
    "[mpeg2video @ 0x42dbf1c0] end mismatch left=86330 731C35 at 0 23",
    "mpeg2video: end mismatch left=86330 731C35 at 0 23",
  ],
  ["[mpeg2video @ 0x42dbf1c0] slice mismatch", "mpeg2video: slice mismatch"],
  [
    "[mpeg2video @ 0x42dbf1c0] Invalid mb type in P-frame at 16 9",
    "mpeg2video: Invalid mb type in P-frame at 16 9",
  ],
  ["[libdav1d @ 0x5612a8c0] Error parsing OBU data", "libdav1d: Error parsing OBU data"],
  [
    "[mpegts @ 0x55aa3c2f1b00] Packet corrupt (stream = 0, dts = 198000).",
    "mpegts: Packet corrupt (stream = 0, dts = 198000).",
  ],
  [
    "Error while decoding stream #0:0: Invalid data found when processing input",
    "decode: Invalid data found when processing input",
  ],
  ["/tmp/clip.ts: corrupt input packet in stream 0", "decode: corrupt input packet"],
  ["corrupt decoded frame in stream 0", "decode: corrupt decoded frame"],
];

describe("decoder complaints", () => {
  it.each(COMPLAINTS)("reads %s as a complaint about the video", (line, complaint) => {
    expect(parseDecoderComplaint(line, 0)).toBe(complaint);
  });

  it("ignores lines about other streams, such as the sound", () => {
    expect(
      parseDecoderComplaint("Error while decoding stream #0:1: Invalid data found when processing input", 0),
    ).toBeUndefined();
    expect(
      parseDecoderComplaint("[mpegts @ 0x55aa3c2f1b00] Packet corrupt (stream = 1, dts = 1800).", 0),
    ).toBeUndefined();
    expect(parseDecoderComplaint("clip.ts: corrupt input packet in stream 1", 0)).toBeUndefined();
    expect(
      parseDecoderComplaint("[aac @ 0x55d0c0a3e2c0] Error decoding AAC frame header.", 0),
    ).toBeUndefined();
  });

  it("names the video stream by its index in the input", () => {
    expect(
      parseDecoderComplaint("Error while decoding stream #0:1: Invalid data found when processing input", 1),
    ).toBe("decode: Invalid data found when processing input");
  });

  it("ignores a video decoder's lines that report no damage, and ordinary log lines", () => {
    expect(
      parseDecoderComplaint("[h264 @ 0x2ebb6e80] Reinit context to 640x368, pix_fmt: yuv420p", 0),
    ).toBeUndefined();
    expect(
      parseDecoderComplaint("[mpegts @ 0x55aa3c2f1b00] Stream #0:0: not enough frames to estimate rate", 0),
    ).toBeUndefined();
    expect(parseDecoderComplaint("frame=  150 fps=0.0 q=-0.0 Lsize=N/A time=00:00:06.00", 0)).toBeUndefined();
  });

  it("takes no complaint from the probe, only from the decode that follows ffmpeg's stream mapping", () => {
    const complaints = new DecoderComplaints(0);
    const corrupt = "[mpegts @ 0x55cbd7aa7880] Packet corrupt (stream = 0, dts = 410400).";

    const read = [
      corrupt,
      "Stream mapping:",
      "  Stream #0:0 -> #0:0 (h264 (native) -> wrapped_avframe (native))",
      corrupt,
    ].map((line) => complaints.read(line));

    expect(read).toEqual([
      undefined,
      undefined,
      undefined,
      "mpegts: Packet corrupt (stream = 0, dts = 410400).",
    ]);
  });
});
