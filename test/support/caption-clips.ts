/**
 * Clips with CEA-608 closed captions in their video (caption-injector.ts), stretches without them, and a
 * programme tone with silences, cached under .cache/test-media like every generated clip. Made in three cached
 * steps: the video elementary stream (no B-frames, so stream order is presentation order), the same stream with
 * captions in every picture outside the gaps, and the mux of that with the sound.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { type CaptionCodec, injectCaptions } from "./caption-injector.ts";
import { runEncoder } from "./encoder-threads.ts";
import { makeCached, makeClip, makeWithFfmpeg } from "./test-media.ts";

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface CaptionClipSpec {
  readonly codec: CaptionCodec;
  readonly container: "mp4" | "ts" | "mkv";
  readonly duration: number;
  readonly fps: number;
  /** "never": no caption data at all; else the stretches without caption data (captions everywhere else). */
  readonly captions: "never" | { readonly gaps: readonly Span[] };
  /** Stretches where the programme tone is digital silence. */
  readonly silences?: readonly Span[];
}

/** Bump when the injector's output changes, so cached clips are made again. */
const INJECTOR_VERSION = 1;

export async function makeCaptionClip(spec: CaptionClipSpec): Promise<string> {
  const elementary = await videoStream(spec);
  const video =
    spec.captions === "never"
      ? elementary
      : await captioned(elementary, spec.codec, spec.fps, spec.captions.gaps);
  const audio = await makeClip({
    duration: spec.duration,
    container: "m4a",
    audio: {
      codec: "aac",
      channels: 2,
      dbfs: -20,
      events: (spec.silences ?? []).map((s) => ({ type: "silence" as const, ...s })),
    },
  });
  // An elementary stream has no timestamps: the pictures are given them at the clip's rate.
  const timing = ["-fflags", "+genpts", "-framerate", String(spec.fps)];
  const args = [...timing, "-i", video, "-i", audio, "-map", "0:v", "-map", "1:a", "-c", "copy"];
  return makeCached({ args, container: spec.container }, spec.container, async (partial) => {
    await runEncoder(["-y", ...args, partial]);
  });
}

/** Where a clip's captions are missing, as the detector should report them (the last caption seen to the next). */
export function captionGaps(spec: CaptionClipSpec): readonly Span[] {
  return spec.captions === "never" ? [] : spec.captions.gaps;
}

function videoStream(spec: CaptionClipSpec): Promise<string> {
  const source = ["-f", "lavfi", "-i", `testsrc2=size=320x180:rate=${spec.fps}:duration=${spec.duration}`];
  // One keyframe a second, as a live channel has: a live reader joining mid-stream finds its pictures soon.
  const gop = String(spec.fps);
  switch (spec.codec) {
    case "h264":
      return makeWithFfmpeg(
        [...source, "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", gop, "-f", "h264"],
        "h264",
      );
    case "hevc":
      return makeWithFfmpeg(
        [
          ...source,
          "-c:v",
          "libx265",
          "-preset",
          "ultrafast",
          "-x265-params",
          `bframes=0:keyint=${gop}:log-level=error`,
          "-f",
          "hevc",
        ],
        "hevc",
      );
    case "mpeg2video":
      return makeWithFfmpeg(
        [...source, "-c:v", "mpeg2video", "-bf", "0", "-q:v", "4", "-g", gop, "-f", "mpeg2video"],
        "m2v",
      );
  }
}

function captioned(
  elementary: string,
  codec: CaptionCodec,
  fps: number,
  gaps: readonly Span[],
): Promise<string> {
  // Picture n shows from n/fps: it is in a gap when that instant is.
  const inGap = (frame: number) =>
    gaps.some((g) => frame / fps >= g.start - 1e-9 && frame / fps < g.end - 1e-9);
  const recipe = { elementary, codec, fps, gaps, version: INJECTOR_VERSION };
  const extension = elementary.slice(elementary.lastIndexOf(".") + 1);
  return makeCached(recipe, extension, async (partial) => {
    const { stream } = injectCaptions(readFileSync(elementary), { codec, captioned: (n) => !inGap(n) });
    writeFileSync(partial, stream);
  });
}
