import { describe, expect, it } from "vitest";
import {
  CAPTION_FILTER,
  captionMarkerOutput,
  isCaptionMarker,
} from "../../../core-service/src/media/caption-markers.ts";
import { isFrameMarker, isKeyframeMarker, isMarker } from "../../../core-service/src/media/decode-args.ts";

/** A frame marker, a keyframe marker and a caption marker for the same picture, as ffmpeg 4.1 and 5.1 print them. */
const FRAME = "0,         24,         24,        1,      536, 0x61ae17df";
const KEYFRAME = "0,         24,         24,        1,      536, 5a1c3e0b1e52a4c3f0e2c7b2d1c0a9f8";
const CAPTION =
  "0,         24,         24,        1,      536, 66113a7c317b4037bebbff88d3e0ac918f3c154555ec6d30ef80f7c97fd039f3";

describe("caption markers on ffmpeg's stderr", () => {
  it("are told apart from the frame and keyframe markers printed on the same stderr", () => {
    expect(isCaptionMarker(CAPTION)).toBe(true);
    expect(isCaptionMarker(FRAME)).toBe(false);
    expect(isCaptionMarker(KEYFRAME)).toBe(false);
    expect(isFrameMarker(CAPTION)).toBe(false);
    expect(isKeyframeMarker(CAPTION)).toBe(false);
  });

  it("are machine output, kept out of the stderr that error messages quote; ffmpeg's own lines are not", () => {
    expect(isMarker(CAPTION)).toBe(true);
    for (const line of [
      "[h264 @ 0x2ebb6e80] concealing 588 DC, 588 AC, 588 MV errors in B frame",
      "#hash: SHA256",
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':",
    ])
      expect(isCaptionMarker(line)).toBe(false);
  });

  it("come from a branch that keeps only the pictures with A/53 data, one SHA-256 line each on the given fd", () => {
    expect(CAPTION_FILTER).toBe("sidedata=mode=select:type=A53_CC");
    const args = captionMarkerOutput("[captions]", 2);
    expect(args.slice(0, 2)).toEqual(["-map", "[captions]"]);
    expect(args.join(" ")).toContain("-f framehash -hash sha256 -flush_packets 1 pipe:2");
  });
});
