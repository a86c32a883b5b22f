import { describe, expect, it } from "vitest";
import { CaptionLines, isCaptionFilterLine } from "../../../core-service/src/media/caption-lines.ts";

/** showinfo's stderr while decoding a captioned H.264 clip, as ffmpeg 4.1 (bundled) and 5.1 (Debian) print it. */
const FFMPEG_4_1 = [
  "[Parsed_showinfo_1 @ 0x1a08ea00] config in time_base: 1/25, frame_rate: 25/1",
  "[Parsed_showinfo_1 @ 0x1a08ea00] n:   0 pts:      0 pts_time:0       pos:        0 fmt:yuv420p sar:1/1 s:320x180 i:P iskey:1 type:I ",
  "[Parsed_showinfo_1 @ 0x1a08ea00]   side data - A/53 closed captions (9 bytes)",
  "[Parsed_showinfo_1 @ 0x1a08ea00] color_range:unknown color_space:unknown color_primaries:unknown color_trc:unknown",
  "[Parsed_showinfo_1 @ 0x1a08ea00] n:   1 pts:      1 pts_time:0.04    pos:     3994 fmt:yuv420p sar:1/1 s:320x180 i:P iskey:0 type:P ",
  "[Parsed_showinfo_1 @ 0x1a08ea00] color_range:unknown color_space:unknown color_primaries:unknown color_trc:unknown",
  "[Parsed_showinfo_1 @ 0x1a08ea00] n:   2 pts:      2 pts_time:0.08    pos:     5209 fmt:yuv420p sar:1/1 s:320x180 i:P iskey:0 type:P ",
  "[Parsed_showinfo_1 @ 0x1a08ea00]   side data - pan/scan",
  "[Parsed_showinfo_1 @ 0x1a08ea00]   side data - A/53 closed captions (60 bytes)",
];
const FFMPEG_5_1 = [
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] config in time_base: 1/25, frame_rate: 25/1",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] n:   0 pts:      0 pts_time:0       pos:        0 fmt:yuv420p sar:1/1 s:320x180 i:P iskey:1 type:I ",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80]   side data - A/53 closed captions (9 bytes)",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80]   side data - User Data Unregistered:",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] UUID=dc45e9bd-e6d9-48b7-962c-d820d923eeef",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] User Data=78323634202d20636f7265",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] ",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] color_range:unknown color_space:unknown color_primaries:unknown color_trc:unknown",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] n:   1 pts:      1 pts_time:0.04    pos:     3994 fmt:yuv420p sar:1/1 s:320x180 i:P iskey:0 type:P ",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] color_range:unknown color_space:unknown color_primaries:unknown color_trc:unknown",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80] n: 1234 pts:   1234 pts_time:49.36   pos:  5209000 fmt:yuv420p sar:1/1 s:320x180 i:P iskey:0 type:P ",
  "[Parsed_showinfo_1 @ 0x55f2c38dab80]   side data - A/53 closed captions (9 bytes)",
];

function captionedPictures(lines: readonly string[]): number[] {
  const reader = new CaptionLines();
  return lines.flatMap((line) => {
    const picture = reader.captionedPicture(line);
    return picture === undefined ? [] : [picture];
  });
}

describe("caption lines on ffmpeg's stderr", () => {
  it("name the pictures that carry A/53 caption data, as ffmpeg 4.1 prints them", () => {
    expect(captionedPictures(FFMPEG_4_1)).toEqual([0, 2]);
  });

  it("name the pictures that carry A/53 caption data, as ffmpeg 5.1 prints them", () => {
    expect(captionedPictures(FFMPEG_5_1)).toEqual([0, 1234]);
  });

  it("say nothing for a caption line before any picture header, nor twice for one picture", () => {
    const header = FFMPEG_4_1[1] as string;
    const caption = FFMPEG_4_1[2] as string;
    expect(captionedPictures([caption, header, caption, caption])).toEqual([0]);
  });

  it("are told apart from ffmpeg's own messages, which stay in the stderr kept for errors", () => {
    for (const line of [...FFMPEG_4_1, ...FFMPEG_5_1]) expect(isCaptionFilterLine(line)).toBe(true);
    for (const line of [
      "[h264 @ 0x2ebb6e80] concealing 588 DC, 588 AC, 588 MV errors in B frame",
      "0,          0,          0,        1,      488, 0x4f5e1bd0",
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':",
    ])
      expect(isCaptionFilterLine(line)).toBe(false);
  });
});
