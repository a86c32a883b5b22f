import { describe, expect, it } from "vitest";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { type ClipSpec, makeClip } from "../support/test-media.ts";

/**
 * Clipping as it reaches avmon through real codecs: a tone driven 18 dB past full scale and pinned at the 16-bit
 * limits, then encoded. Each codec moves the flat tops off ±1.0 differently (ffmpeg's AAC settles them near
 * 0.95, AC-3 and Opus ripple around 1.02–1.06), so this is where a "samples at 0.99" rule fails.
 */
type AudioCodec = NonNullable<ClipSpec["audio"]>["codec"];
const CODECS: { codec: AudioCodec; container: ClipSpec["container"]; channels: 2 | 6 }[] = [
  { codec: "aac", container: "m4a", channels: 2 },
  { codec: "libopus", container: "webm", channels: 2 },
  { codec: "mp2", container: "mpg", channels: 2 },
  { codec: "ac3", container: "mkv", channels: 2 },
  // 384 kbit/s over six channels: the clipped tops ripple between 0.9 and 1.1 with spikes to 1.2.
  { codec: "ac3", container: "ts", channels: 6 },
  { codec: "pcm_s16le", container: "wav", channels: 2 },
];
const TOLERANCE_SECONDS = 0.25;

async function clippingIn(spec: ClipSpec) {
  const path = await makeClip(spec);
  const report = await analyzeSource(path, { allowLocalFiles: true, detectors: ["clipping"] });
  return report.defects.filter((d) => d.type === "clipping");
}

describe.each(CODECS)("clipping through $codec, $channels channels", ({ codec, container, channels }) => {
  it("reports a 1.5 s clipped passage with its onset and end", async () => {
    const found = await clippingIn({
      duration: 5,
      container,
      audio: { codec, channels, dbfs: -12, events: [{ type: "clip", start: 2, end: 3.5 }] },
    });
    expect(found).toHaveLength(1);
    expect(Math.abs((found[0]?.start ?? 0) - 2)).toBeLessThan(TOLERANCE_SECONDS);
    expect(Math.abs((found[0]?.end ?? 0) - 3.5)).toBeLessThan(TOLERANCE_SECONDS);
    expect(found[0]?.severity).toBe("major");
  });

  it("does not report the programme tone at −1 dBFS, nor a passage raised to −0.3 dBFS", async () => {
    const found = await clippingIn({
      duration: 5,
      container,
      audio: { codec, channels, dbfs: -1, events: [{ type: "level", start: 2, end: 3.5, dbfs: -0.3 }] },
    });
    expect(found).toEqual([]);
  });
});
