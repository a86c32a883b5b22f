/** Channel names in ffmpeg's order for the common layouts; loudness weighting needs to know which is which. */
const LAYOUTS: Record<string, readonly string[]> = {
  mono: ["FC"],
  stereo: ["FL", "FR"],
  "2.1": ["FL", "FR", "LFE"],
  "3.0": ["FL", "FR", "FC"],
  quad: ["FL", "FR", "BL", "BR"],
  "quad(side)": ["FL", "FR", "SL", "SR"],
  "4.0": ["FL", "FR", "FC", "BC"],
  "5.0": ["FL", "FR", "FC", "BL", "BR"],
  "5.0(side)": ["FL", "FR", "FC", "SL", "SR"],
  "5.1": ["FL", "FR", "FC", "LFE", "BL", "BR"],
  "5.1(side)": ["FL", "FR", "FC", "LFE", "SL", "SR"],
  "7.1": ["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"],
};

/** Names for a layout string from ffprobe; empty when unknown (detectors then infer from the channel count). */
export function channelNames(layout: string, channels: number): readonly string[] {
  const names = LAYOUTS[layout.trim().toLowerCase()];
  return names && names.length === channels ? names : [];
}
