import { describe, expect, it } from "vitest";
import { channelNames, pinnableLayout } from "../../../core-service/src/media/channel-layout.ts";

describe("channel layouts", () => {
  it("name the channels of ffmpeg's named layouts, surround and odd ones", () => {
    expect(channelNames("5.1", 6)).toEqual(["FL", "FR", "FC", "LFE", "BL", "BR"]);
    expect(channelNames("5.1(side)", 6)).toEqual(["FL", "FR", "FC", "LFE", "SL", "SR"]);
    expect(channelNames("7.1", 8)).toEqual(["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"]);
    expect(channelNames("6.1", 7)).toEqual(["FL", "FR", "FC", "LFE", "BC", "SL", "SR"]);
    expect(channelNames("hexagonal", 6)).toEqual(["FL", "FR", "FC", "BL", "BR", "BC"]);
    expect(channelNames("7.1(wide)", 8)).toEqual(["FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC"]);
  });

  it("read a layout spelled out as its channels", () => {
    expect(channelNames("3 channels (FL+FR+LFE)", 3)).toEqual(["FL", "FR", "LFE"]);
    expect(channelNames("FL+FR+FC+LFE", 4)).toEqual(["FL", "FR", "FC", "LFE"]);
  });

  it("name nothing when the layout is unknown or does not match the channel count", () => {
    expect(channelNames("6 channels", 6)).toEqual([]);
    expect(channelNames("", 2)).toEqual([]);
    expect(channelNames("5.1", 2)).toEqual([]);
  });

  it("pin a decode only to a named layout of that many channels", () => {
    expect(pinnableLayout("5.1(side)", 6)).toBe("5.1(side)");
    expect(pinnableLayout("6 channels", 6)).toBeUndefined();
    expect(pinnableLayout("FL+FR+LFE", 3)).toBeUndefined();
    expect(pinnableLayout("stereo", 6)).toBeUndefined();
  });
});
