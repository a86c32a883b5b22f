/**
 * The block-corruption matrix: per codec, clips damaged in transit (a burst in every picture of a window, or a
 * share of its packets lost) and clips whose encoder is starved for a window, each with its known interval, and
 * clean clips of detailed content that must raise nothing. Contents, sizes (odd ones, 1080p, 10-bit) and damage
 * rates vary so that no threshold can be fitted to one of them.
 *
 * Damage lasts until the next keyframe: keyframes fall every `gop` frames exactly in damaged clips (see
 * test-media.ts), so a window [start, end) is damaged from `start` to the first keyframe at or after `end`.
 * `visible` marks the damage that the pictures show as broken blocks; the rest (smooth content concealed well,
 * flat text, frames the decoder drops) only the decoder's complaints reveal.
 */
import type { Truth } from "./scoring.ts";
import type { ClipSpec, VideoContent, VideoEvent } from "./test-media.ts";

export interface MatrixClip {
  readonly name: string;
  readonly spec: ClipSpec;
  readonly truths: readonly Truth[];
  /** Damage the pictures alone must find (false: only the decoder's complaints can). */
  readonly visible: boolean;
}

type Codec = NonNullable<ClipSpec["video"]>["codec"];

const FPS = 25;
const GOP = 25;

/** VP9 is damaged as IVF and carried in WebM, AV1 stays in IVF (test-media.ts); the others are in MPEG-TS. */
function containerFor(codec: Codec): ClipSpec["container"] {
  if (codec === "libsvtav1") return "ivf";
  return codec === "libvpx-vp9" ? "webm" : "ts";
}

interface Damaged {
  readonly codec: Codec;
  readonly content: VideoContent;
  readonly size?: string;
  readonly window: { readonly start: number; readonly end: number };
  /** Share of the window's packets lost; absent = a burst in every picture. */
  readonly loss?: number;
  readonly visible?: boolean;
  readonly pixelFormat?: string;
}

function damaged(d: Damaged): MatrixClip {
  const duration = 6;
  const event: VideoEvent = { type: "damage", ...d.window, ...(d.loss ? { loss: d.loss, seed: 7 } : {}) };
  const keyframe = Math.ceil((d.window.end * FPS) / GOP - 1e-9) * (GOP / FPS);
  const size = d.size ?? "640x360";
  return {
    name: `${d.codec}-${d.content}-${size}-${d.loss ? `loss${d.loss}` : "burst"}${d.pixelFormat ? `-${d.pixelFormat}` : ""}`,
    spec: {
      duration,
      container: containerFor(d.codec),
      video: {
        codec: d.codec,
        size,
        fps: String(FPS),
        gop: GOP,
        content: d.content,
        events: [event],
        ...(d.pixelFormat ? { pixelFormat: d.pixelFormat } : {}),
      },
    },
    truths: [{ type: "blockiness", start: d.window.start, end: keyframe }],
    visible: d.visible ?? true,
  };
}

interface Starved {
  readonly codec: Codec;
  readonly content: VideoContent;
  readonly quantiser: number;
  readonly size?: string;
  readonly window?: { readonly start: number; readonly end: number };
}

function starved(s: Starved): MatrixClip {
  const window = s.window ?? { start: 2, end: 4 };
  const size = s.size ?? "640x360";
  return {
    name: `${s.codec}-${s.content}-${size}-starved-q${s.quantiser}`,
    spec: {
      duration: 6,
      container: "ts",
      video: {
        codec: s.codec,
        size,
        fps: String(FPS),
        gop: GOP,
        content: s.content,
        events: [{ type: "starved", ...window, quantiser: s.quantiser }],
      },
    },
    truths: [{ type: "blockiness", ...window }],
    visible: true,
  };
}

function clean(codec: Codec, content: VideoContent, size = "640x360"): MatrixClip {
  return {
    name: `${codec}-${content}-${size}-clean`,
    spec: {
      duration: 5,
      container: containerFor(codec),
      video: { codec, size, fps: String(FPS), gop: GOP, content },
    },
    truths: [],
    visible: true,
  };
}

const EARLY = { start: 2.2, end: 2.6 };
const LATE = { start: 3.2, end: 3.5 };

export const BLOCKINESS_MATRIX: readonly MatrixClip[] = [
  // H.264 damaged in transit.
  damaged({ codec: "libx264", content: "footage", window: EARLY }),
  damaged({ codec: "libx264", content: "footage", window: LATE, loss: 0.05, size: "854x478" }),
  damaged({ codec: "libx264", content: "testsrc2", window: EARLY, loss: 0.05 }),
  damaged({ codec: "libx264", content: "mandelbrot", window: EARLY, visible: false }),
  damaged({ codec: "libx264", content: "credits", window: LATE, visible: false }),
  damaged({ codec: "libx264", content: "footage", window: EARLY, size: "1920x1080" }),
  // HEVC: the decoder says nothing with either ffmpeg, so the pictures carry it.
  damaged({ codec: "libx265", content: "footage", window: EARLY }),
  damaged({ codec: "libx265", content: "footage", window: LATE, loss: 0.05, size: "426x238" }),
  damaged({ codec: "libx265", content: "testsrc2", window: EARLY }),
  damaged({ codec: "libx265", content: "testsrc2", window: LATE, loss: 0.05 }),
  damaged({ codec: "libx265", content: "mandelbrot", window: EARLY }),
  damaged({ codec: "libx265", content: "footage", window: LATE, pixelFormat: "yuv420p10le" }),
  // VP9: garbled frames show; frames the decoder rejects are dropped (repeated pictures, complaints only).
  damaged({ codec: "libvpx-vp9", content: "footage", window: EARLY, loss: 0.05 }),
  damaged({ codec: "libvpx-vp9", content: "testsrc2", window: EARLY, visible: false }),
  damaged({ codec: "libvpx-vp9", content: "mandelbrot", window: LATE, visible: false }),
  // MPEG-2.
  damaged({ codec: "mpeg2video", content: "footage", window: EARLY }),
  damaged({ codec: "mpeg2video", content: "testsrc2", window: EARLY, loss: 0.05 }),
  damaged({ codec: "mpeg2video", content: "mandelbrot", window: LATE, visible: false }),
  damaged({ codec: "mpeg2video", content: "credits", window: EARLY, loss: 0.05, visible: false }),
  // Starved encoders, H.264 and HEVC with their deblocking filters on.
  starved({ codec: "libx264", content: "footage", quantiser: 44 }),
  starved({ codec: "libx264", content: "mandelbrot", quantiser: 51, size: "854x478" }),
  starved({ codec: "libx264", content: "testsrc2", quantiser: 51, window: { start: 1.5, end: 4.5 } }),
  starved({ codec: "libx265", content: "footage", quantiser: 51 }),
  starved({ codec: "libx265", content: "mandelbrot", quantiser: 51, size: "426x238" }),
  starved({ codec: "libx265", content: "testsrc2", quantiser: 51 }),
  starved({ codec: "mpeg2video", content: "footage", quantiser: 31 }),
  starved({ codec: "mpeg2video", content: "mandelbrot", quantiser: 24, size: "720x576" }),
  // Clean, detailed content: textures, patterns on and near the 8-pixel grid, text, footage.
  ...(["life", "cellauto", "grain", "credits", "tiles", "fence", "fine-grid"] as const).flatMap((content) => [
    clean("libx264", content),
    clean("libx265", content, "426x238"),
  ]),
  clean("mpeg2video", "tiles"),
  clean("mpeg2video", "fence"),
  clean("mpeg2video", "credits"),
  clean("libvpx-vp9", "fine-grid"),
  clean("libvpx-vp9", "credits"),
  clean("libvpx-vp9", "footage", "426x238"),
  clean("libx264", "footage", "1920x1080"),
];

/**
 * AV1, for an ffmpeg that can encode it quickly (libsvtav1; the bundled 2018 build cannot). dav1d rejects a
 * damaged frame whole and drops it, so the damage shows as complaints (and repeated pictures), not in the
 * pictures. Only damage inside the tile data here: when the damage reaches an OBU header (packet loss, or a
 * burst in a picture of many small OBUs, as the test pattern's), Debian's 5.1 with libdav1d on one decoder
 * thread stops decoding for good (exit 0, the rest of the file unread), which is not block corruption.
 */
export const AV1_MATRIX: readonly MatrixClip[] = [
  damaged({ codec: "libsvtav1", content: "footage", window: EARLY, visible: false }),
  damaged({ codec: "libsvtav1", content: "mandelbrot", window: EARLY, visible: false }),
  clean("libsvtav1", "fine-grid"),
  clean("libsvtav1", "footage", "426x238"),
];
