import { describe, expect, it } from "vitest";
import { parseInputSummary } from "../../../core-service/src/media/input-summary.ts";
import { bitDepthOf } from "../../../core-service/src/media/probe.ts";

describe("bits per luma sample", () => {
  it("come from the pixel format's name, 8 when it names none", () => {
    expect(bitDepthOf("yuv420p")).toBe(8);
    expect(bitDepthOf("yuvj422p")).toBe(8);
    expect(bitDepthOf("nv12")).toBe(8);
    expect(bitDepthOf("yuv420p10le")).toBe(10);
    expect(bitDepthOf("yuv422p10be")).toBe(10);
    expect(bitDepthOf("p010le")).toBe(10);
    expect(bitDepthOf("gray12le")).toBe(12);
    expect(bitDepthOf("yuv444p16le")).toBe(16);
    expect(bitDepthOf(undefined)).toBe(8);
  });

  it("are read from ffmpeg's input summary where ffprobe cannot run", () => {
    const media = parseInputSummary(
      "Input #0, mpegts, from 'x.ts':\n    Stream #0:0[0x100]: Video: hevc (Main 10) ([36][0][0][0] / 0x0024), yuv420p10le(tv), 1920x1080, 25 fps, 25 tbr, 90k tbn",
    );
    expect(media?.video).toMatchObject({ codec: "hevc", width: 1920, height: 1080, bitDepth: 10 });
  });
});
