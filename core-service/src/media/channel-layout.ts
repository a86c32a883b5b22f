/**
 * Channel names in ffmpeg's order for its named layouts (libavutil/channel_layout.c, the ones ffmpeg 4.1 and
 * 5.1 both know); loudness weighting needs to know which channel is which (surrounds weigh more, LFE not at
 * all).
 */
const LAYOUTS: Record<string, readonly string[]> = {
  mono: ["FC"],
  stereo: ["FL", "FR"],
  downmix: ["DL", "DR"],
  "2.1": ["FL", "FR", "LFE"],
  "3.0": ["FL", "FR", "FC"],
  "3.0(back)": ["FL", "FR", "BC"],
  "4.0": ["FL", "FR", "FC", "BC"],
  quad: ["FL", "FR", "BL", "BR"],
  "quad(side)": ["FL", "FR", "SL", "SR"],
  "3.1": ["FL", "FR", "FC", "LFE"],
  "5.0": ["FL", "FR", "FC", "BL", "BR"],
  "5.0(side)": ["FL", "FR", "FC", "SL", "SR"],
  "4.1": ["FL", "FR", "FC", "LFE", "BC"],
  "5.1": ["FL", "FR", "FC", "LFE", "BL", "BR"],
  "5.1(side)": ["FL", "FR", "FC", "LFE", "SL", "SR"],
  "6.0": ["FL", "FR", "FC", "BC", "SL", "SR"],
  "6.0(front)": ["FL", "FR", "FLC", "FRC", "SL", "SR"],
  hexagonal: ["FL", "FR", "FC", "BL", "BR", "BC"],
  "6.1": ["FL", "FR", "FC", "LFE", "BC", "SL", "SR"],
  "6.1(back)": ["FL", "FR", "FC", "LFE", "BL", "BR", "BC"],
  "6.1(front)": ["FL", "FR", "LFE", "FLC", "FRC", "SL", "SR"],
  "7.0": ["FL", "FR", "FC", "BL", "BR", "SL", "SR"],
  "7.0(front)": ["FL", "FR", "FC", "FLC", "FRC", "SL", "SR"],
  "7.1": ["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"],
  "7.1(wide)": ["FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC"],
  "7.1(wide-side)": ["FL", "FR", "FC", "LFE", "FLC", "FRC", "SL", "SR"],
  octagonal: ["FL", "FR", "FC", "BL", "BR", "BC", "SL", "SR"],
};

/** A layout spelled as its channels, "FL+FR+LFE", alone or in "3 channels (FL+FR+LFE)". */
const SPELLED_OUT = /^(?:\d+ channels \()?([A-Z0-9]+(?:\+[A-Z0-9]+)+)\)?$/;

/**
 * Names for a layout string from ffprobe or ffmpeg's summary; empty when unknown ("6 channels", no order
 * given), and detectors then infer from the channel count.
 */
export function channelNames(layout: string, channels: number): readonly string[] {
  const trimmed = layout.trim();
  const names = LAYOUTS[trimmed.toLowerCase()] ?? SPELLED_OUT.exec(trimmed)?.[1]?.split("+");
  return names && names.length === channels ? names : [];
}

/**
 * The layout to pin a decode's PCM to: a named layout of that channel count, which every supported ffmpeg
 * parses; undefined otherwise (the output then keeps the layout of its first frame, as ffmpeg does).
 */
export function pinnableLayout(layout: string, channels: number): string | undefined {
  const name = layout.trim().toLowerCase();
  return LAYOUTS[name]?.length === channels ? name : undefined;
}
