/**
 * Generates test clips with ffmpeg, each with defects at known times, cached under .cache/test-media by a hash of
 * the exact ffmpeg command (so a changed recipe makes a new clip). Picture and sound are built on separate
 * timelines of "events" (freeze, black, silence, …) that become ffmpeg filters.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runEncoder } from "./encoder-threads.ts";
import { damageIvfFrames } from "./ivf-damage.ts";
import { sharedMedia } from "./shared-media.ts";
import { damageVideoPictures } from "./ts-damage.ts";

/**
 * "blocking": the window is encoded by a starved encoder (coarsest quantiser, no deblocking filter) and joined
 * to the clean encode around it. "starved": the same with the codec's usual in-loop filters (H.264's and
 * HEVC's deblocking) at the constant quantiser `quantiser` (the codec's own scale: 0–51 for H.264/HEVC, 1–31
 * for MPEG-2). "damage": the payload of every video picture presented in the window is partly overwritten
 * after muxing (MPEG-TS; VP9 in WebM, damaged as IVF before muxing), or a share `loss` of its packets is lost,
 * so the decoder conceals until the next keyframe.
 */
export type VideoEventType = "black" | "freeze" | "blocking" | "starved" | "damage";
export type AudioEventType = "silence" | "level" | "clip";

export interface VideoEvent {
  readonly type: VideoEventType;
  readonly start: number;
  readonly end: number;
  /** For "starved": the constant quantiser of the window. */
  readonly quantiser?: number;
  /** For "damage": the share of the window's packets lost at random (see ts-damage.ts); absent = a burst. */
  readonly loss?: number;
  readonly seed?: number;
}
export interface AudioEvent {
  readonly type: AudioEventType;
  readonly start: number;
  readonly end: number;
  /** For "level": the tone's peak level in dBFS during the event. */
  readonly dbfs?: number;
}

export type VideoContent =
  | "testsrc2"
  | "noisy-static"
  | "night"
  | "mandelbrot"
  | "life"
  | "cellauto"
  | "grain"
  | "credits"
  | "tiles"
  | "fine-grid"
  | "fence"
  | "footage";

export interface ClipSpec {
  readonly duration: number;
  readonly container: "mp4" | "mkv" | "webm" | "ts" | "mpg" | "mov" | "m4a" | "wav" | "ivf";
  readonly video?: {
    /** libsvtav1 (AV1) needs an ffmpeg built with it, as Debian's is (the bundled 2018 build is not). */
    readonly codec: "libx264" | "libx265" | "libvpx-vp9" | "libsvtav1" | "mpeg2video" | "ffv1";
    readonly size: string;
    /** Pixel format of the encode (default yuv420p), e.g. yuv420p10le for HEVC Main10. */
    readonly pixelFormat?: string;
    readonly fps: string;
    readonly content?: VideoContent;
    readonly events?: readonly VideoEvent[];
    /** Keyframe interval in frames; short intervals put keyframe refreshes inside freezes. */
    readonly gop?: number;
  };
  readonly audio?: {
    readonly codec: "aac" | "libopus" | "ac3" | "mp2" | "pcm_s16le";
    readonly channels: 1 | 2 | 6;
    readonly sampleRate?: number;
    /** Peak level of the programme tone; −23 dBFS reads about −23 LUFS. */
    readonly dbfs?: number;
    readonly events?: readonly AudioEvent[];
  };
}

export const CACHE_DIR = join(import.meta.dirname, "../../.cache/test-media");

export async function makeClip(spec: ClipSpec): Promise<string> {
  const recipe = clipRecipe(spec);
  return makeCached(recipe, spec.container, async (partial, stem) => {
    if (recipe.damage.length > 0 && spec.container !== "ts") return encodeDamagedIvf(recipe, stem, partial);
    if (recipe.segments.length > 0) await encodeJoined(recipe, stem, partial);
    else await runEncoder(["-y", ...recipe.args, partial]);
    if (recipe.damage.length > 0)
      writeFileSync(partial, damageVideoPictures(readFileSync(partial), recipe.damage));
  });
}

/** Media that one ffmpeg command (`args`, the output path left off) makes, cached like clips. */
export function makeWithFfmpeg(args: readonly string[], extension: string): Promise<string> {
  return makeCached({ args }, extension, (partial) => runEncoder(["-y", ...args, partial]).then(() => {}));
}

/** The file `produce` writes to a partial path (and files named from `stem`), kept under CACHE_DIR by the hash of `recipe`. */
export async function makeCached(
  recipe: unknown,
  extension: string,
  produce: (partial: string, stem: string) => Promise<void>,
): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 16);
  const path = join(CACHE_DIR, `${hash}.${extension}`);
  if (existsSync(path)) return path;
  mkdirSync(CACHE_DIR, { recursive: true });
  const stem = join(CACHE_DIR, `${hash}.partial`);
  const partial = `${stem}.${extension}`;
  await produce(partial, stem);
  renameSync(partial, path);
  return path;
}

interface ClipRecipe {
  /** The whole clip, or (with segments) the mux of the joined video with the sound. */
  readonly args: readonly string[];
  /** Video pieces encoded one by one (MPEG-TS) and joined with the concat demuxer; empty = one encode. */
  readonly segments: readonly (readonly string[])[];
  readonly damage: readonly VideoEvent[];
}

function clipRecipe(spec: ClipSpec): ClipRecipe {
  const events = spec.video?.events ?? [];
  const damage = events.filter((e) => e.type === "damage");
  const asIvf = IVF_CODECS.has(spec.video?.codec ?? "") && IVF_CONTAINERS.has(spec.container) && !spec.audio;
  if (damage.length > 0 && spec.container !== "ts" && !asIvf)
    throw new Error("damage events need an MPEG-TS container, or VP9/AV1 in WebM, MKV or IVF without sound");
  const starved = events.filter((e) => e.type === "blocking" || e.type === "starved");
  if (starved.length > 0 && damage.length > 0 && asIvf)
    throw new Error("a damaged VP9/AV1 clip is one encode: no starved windows in it");
  if (!spec.video || starved.length === 0) return { args: clipArgs(spec), segments: [], damage };
  return { args: muxArgs(spec), segments: segmentArgs(spec.duration, spec.video), damage };
}

const IVF_CODECS: ReadonlySet<string> = new Set(["libvpx-vp9", "libsvtav1"]);
const IVF_CONTAINERS: ReadonlySet<string> = new Set(["webm", "mkv", "ivf"]);

/**
 * VP9/AV1 damage: the clip encoded as IVF (frames with plain size headers), damaged, then copied into WebM/MKV.
 * Damaged AV1 stays in IVF: the Matroska and MP4 muxers parse AV1's OBUs and refuse damaged ones.
 */
async function encodeDamagedIvf(recipe: ClipRecipe, stem: string, output: string): Promise<void> {
  if (output.endsWith(".ivf")) {
    await runEncoder(["-y", ...recipe.args, "-f", "ivf", output]);
    writeFileSync(output, damageIvfFrames(readFileSync(output), recipe.damage));
    return;
  }
  const ivf = `${stem}.ivf`;
  const format = output.endsWith(".mkv") ? "matroska" : "webm";
  try {
    await runEncoder(["-y", ...recipe.args, "-f", "ivf", ivf]);
    writeFileSync(ivf, damageIvfFrames(readFileSync(ivf), recipe.damage));
    await runEncoder(["-y", "-i", ivf, "-c", "copy", "-f", format, output]);
  } finally {
    rmSync(ivf, { force: true });
  }
}

async function encodeJoined(recipe: ClipRecipe, stem: string, output: string): Promise<void> {
  const files = recipe.segments.map((_, i) => `${stem}.segment${i}.ts`);
  const list = `${stem}.segments.txt`;
  try {
    for (const [i, args] of recipe.segments.entries()) await runEncoder(["-y", ...args, files[i] as string]);
    writeFileSync(list, files.map((f) => `file '${f}'\n`).join(""));
    await runEncoder(["-y", ...recipe.args.map((a) => (a === SEGMENT_LIST ? list : a)), output]);
  } finally {
    for (const file of [...files, list]) rmSync(file, { force: true });
  }
}

const SEGMENT_LIST = "<segment list>";

/** One encode per stretch between starved windows, each from the same picture timeline trimmed to it. */
function segmentArgs(duration: number, video: NonNullable<ClipSpec["video"]>): string[][] {
  const graph = videoGraph(duration, video);
  const starved = (video.events ?? [])
    .filter((e) => e.type === "blocking" || e.type === "starved")
    .sort((a, b) => a.start - b.start);
  const cuts = [0, ...starved.flatMap((e) => [e.start, e.end]), duration];
  const pieces: string[][] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i] as number, cuts[i + 1] as number];
    if (to <= from) continue;
    const trimmed = `${graph};[video]trim=start=${from}:end=${to},setpts=PTS-STARTPTS[piece]`;
    // Odd pieces are the starved windows, in order.
    const window = i % 2 === 1 ? starved[(i - 1) / 2] : undefined;
    const codec = window ? starvedCodecArgs(video, window) : videoCodecArgs(video);
    pieces.push(["-filter_complex", trimmed, "-map", "[piece]", ...codec, "-f", "mpegts"]);
  }
  return pieces;
}

/** The joined video copied as it is, with the sound made and encoded as in a single-encode clip. */
function muxArgs(spec: ClipSpec): string[] {
  const input = ["-f", "concat", "-safe", "0", "-i", SEGMENT_LIST];
  const audio = spec.audio
    ? [
        "-filter_complex",
        audioGraph(spec.duration, spec.audio),
        "-map",
        "[audio]",
        ...audioCodecArgs(spec.audio),
      ]
    : [];
  const format = spec.container === "mpg" ? ["-f", "vob"] : [];
  return [...input, "-map", "0:v", "-c:v", "copy", ...audio, "-t", String(spec.duration), ...format];
}

/**
 * A starved encoder: every block at the coarsest quantiser and, for H.264, the deblocking filter off (as in
 * MPEG-2, which has none), so the 8x8/4x4 block grid stays visible instead of being smoothed into blur.
 */
function starvedCodecArgs(video: NonNullable<ClipSpec["video"]>, window: VideoEvent): string[] {
  const gop = String(video.gop ?? 50);
  if (window.type === "starved") return quantisedCodecArgs(video, window.quantiser ?? 51);
  switch (video.codec) {
    case "libx264":
      return [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-qp",
        "51",
        "-g",
        gop,
        "-x264-params",
        "no-deblock=1",
      ];
    case "mpeg2video":
      return ["-c:v", "mpeg2video", "-qmin", "31", "-qmax", "31", "-q:v", "31", "-g", gop];
    default:
      throw new Error(`blocking events are made with libx264 or mpeg2video, not ${video.codec}`);
  }
}

/** A constant quantiser with the codec's in-loop filters on, as a rate control starved of bits ends up. */
function quantisedCodecArgs(video: NonNullable<ClipSpec["video"]>, quantiser: number): string[] {
  const gop = String(video.gop ?? 50);
  const q = String(quantiser);
  const format = pixelFormat(video);
  switch (video.codec) {
    case "libx264":
      return ["-c:v", "libx264", "-preset", "veryfast", "-qp", q, "-g", gop, ...format];
    case "libx265":
      return [
        ...["-c:v", "libx265", "-preset", "ultrafast", ...format],
        ...["-x265-params", `qp=${q}:keyint=${gop}:log-level=error`],
      ];
    case "mpeg2video":
      return ["-c:v", "mpeg2video", "-qmin", q, "-qmax", q, "-q:v", q, "-g", gop, ...format];
    default:
      throw new Error(`starved events are made with libx264, libx265 or mpeg2video, not ${video.codec}`);
  }
}

function clipArgs(spec: ClipSpec): string[] {
  const graph: string[] = [];
  const maps: string[] = [];
  const codecArgs: string[] = [];
  if (spec.video) {
    graph.push(videoGraph(spec.duration, spec.video));
    maps.push("-map", "[video]");
    codecArgs.push(...videoCodecArgs(spec.video));
  }
  if (spec.audio) {
    graph.push(audioGraph(spec.duration, spec.audio));
    maps.push("-map", "[audio]");
    codecArgs.push(...audioCodecArgs(spec.audio));
  }
  const format = spec.container === "mpg" ? ["-f", "vob"] : [];
  return ["-filter_complex", graph.join(";"), ...maps, ...codecArgs, "-t", String(spec.duration), ...format];
}

function baseVideo(content: VideoContent, size: string, fps: string, duration: number): string {
  const d = duration + 1;
  switch (content) {
    case "testsrc2":
      return `testsrc2=size=${size}:rate=${fps}:duration=${d}`;
    case "mandelbrot":
      // A low iteration cap keeps generation fast; the picture keeps its fine texture. The fps filter gives the
      // frames a proper frame rate, without which trimming and joining them duplicates frames without end.
      return `mandelbrot=size=${size}:rate=${fps}:maxiter=256,fps=${fps},trim=duration=${d}`;
    case "night":
      // A dark scene: luma squeezed into 16..60, so the mean is low but texture and highlights remain.
      return `testsrc2=size=${size}:rate=${fps}:duration=${d},lutyuv=y='16+(val-16)*0.2'`;
    case "noisy-static":
      // One still picture with fresh sensor-like noise on every frame.
      return `testsrc2=size=${size}:rate=${fps}:duration=${d},trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/(${fps})/TB,trim=duration=${d},noise=alls=12:allf=t`;
    default:
      return detailedVideo(content, size, fps, d);
  }
}

const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/**
 * Clean, detailed pictures that a block-corruption detector must leave alone: fine moving textures, regular
 * patterns near the 8-pixel grid, text, filmed footage. Sources without a duration are given one by trim, and
 * a proper frame rate by fps (see mandelbrot).
 */
function detailedVideo(content: VideoContent, size: string, fps: string, d: number): string {
  const [width, height] = size.split("x").map(Number) as [number, number];
  const timed = `fps=${fps},trim=duration=${d}`;
  switch (content) {
    case "life":
      // Conway's life in 2-pixel cells: a dense texture that changes everywhere on every frame.
      return `life=size=${Math.ceil(width / 2)}x${Math.ceil(height / 2)}:rate=${fps}:mold=10:ratio=0.3:seed=7:life_color=#e0e0e0:death_color=#202020:mold_color=#705030,scale=${width}:${height}:flags=neighbor,${timed}`;
    case "cellauto":
      // Rule 110 scrolling up: fine black-and-white triangles at every scale.
      return `cellauto=size=${size}:rate=${fps}:rule=110:seed=3,format=yuv420p,${timed}`;
    case "grain":
      // Mid-grey with strong temporal noise: the most detail an encoder can be given.
      return `color=c=0x808080:size=${size}:rate=${fps},format=yuv420p,noise=alls=40:allf=t+u,${timed}`;
    case "credits":
      return creditsVideo(size, fps, d);
    case "tiles":
      // Low-contrast 20x13 tiles drifting sideways, with a fine ripple on them.
      return `color=c=black:size=${size}:rate=${fps},format=yuv420p,geq=lum='90+50*mod(floor((X+T*13)/20)+floor(Y/13)\\,2)+6*sin(X/3)':cb=128:cr=128,${timed}`;
    case "fine-grid":
      // A grid of thin lines every 7 pixels over the test picture: a period close to 8.
      return `testsrc2=size=${size}:rate=${fps}:duration=${d},drawgrid=width=7:height=7:thickness=1:color=white@0.6`;
    case "fence":
      // 3-pixel posts every 9 pixels, a period close to the coding grid's, panning a pixel a frame across a
      // shaded backdrop.
      return `color=c=black:size=${size}:rate=${fps},format=yuv420p,geq=lum='if(lt(mod(X+N\\,9)\\,3)\\,170\\,70+40*sin(Y/40+N/10))':cb=128:cr=128,${timed}`;
    case "footage":
      // The filmed clip of the shared media looped, at the clip's size and rate.
      return `movie=${sharedMedia("real-640x360-1s.mp4")}:loop=0,setpts=N/(${fps}*TB),scale=${size},${timed}`;
    default:
      throw new Error(`no recipe for content ${content}`);
  }
}

/** Rolling credits (large and small lines) over a dark backdrop, and a ticker with a running clock. */
function creditsVideo(size: string, fps: string, d: number): string {
  const lines = [
    "Directed by A. N. Example",
    "Director of photography  J. Smith",
    "Edited by the avmon test suite",
    "Sound  0123456789 Hz dB LUFS",
    "Grip  Best boy  Gaffer  Key grip",
  ];
  const roll = lines.map(
    (text, i) =>
      `drawtext=fontfile=${FONT}:text='${text}':fontsize=h/${i % 2 ? 18 : 11}:fontcolor=white:x=(w-text_w)/2:y=h-mod(t*h/6\\,h*1.6)+${i}*h/8`,
  );
  const ticker = `drawtext=fontfile=${FONT}:text='%{pts\\:hms}  markets up  weather fine  traffic slow':fontsize=h/22:fontcolor=yellow:box=1:boxcolor=black@0.6:x=w-mod(t*w/5\\,w*2):y=h-h/12`;
  return `color=c=0x182030:size=${size}:rate=${fps}:duration=${d},${[...roll, ticker].join(",")}`;
}

function videoGraph(duration: number, video: NonNullable<ClipSpec["video"]>): string {
  const events = video.events ?? [];
  const freezes = events.filter((e) => e.type === "freeze").sort((a, b) => a.start - b.start);
  const base = baseVideo(video.content ?? "testsrc2", video.size, video.fps, duration);
  const parts: string[] = [];
  let timeline: string;
  if (freezes.length === 0) {
    parts.push(`${base}[timeline]`);
    timeline = "[timeline]";
  } else {
    // Cut the moving picture at each freeze and hold the freeze's first frame for its length.
    const pieces: string[] = [];
    const cuts: string[] = [];
    let cursor = 0;
    freezes.forEach((f, i) => {
      pieces.push(`[src${2 * i}]trim=${cursor}:${f.start},setpts=PTS-STARTPTS[p${2 * i}]`);
      pieces.push(
        `[src${2 * i + 1}]trim=start=${f.start},trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/(${video.fps})/TB,trim=duration=${f.end - f.start}[p${2 * i + 1}]`,
      );
      cuts.push(`[p${2 * i}][p${2 * i + 1}]`);
      cursor = f.end;
    });
    const last = 2 * freezes.length;
    pieces.push(`[src${last}]trim=start=${cursor},setpts=PTS-STARTPTS[p${last}]`);
    cuts.push(`[p${last}]`);
    const outputs = Array.from({ length: last + 1 }, (_, i) => `[src${i}]`).join("");
    parts.push(
      `${base},split=${last + 1}${outputs}`,
      ...pieces,
      `${cuts.join("")}concat=n=${last + 1}:v=1:a=0[timeline]`,
    );
    timeline = "[timeline]";
  }
  const blacks = events.filter((e) => e.type === "black");
  const overlays = blacks.map(
    (b) => `drawbox=enable='between(t,${b.start},${b.end - 0.001})':color=black:t=fill`,
  );
  parts.push(`${timeline}${[...overlays, `format=${video.pixelFormat ?? "yuv420p"}`].join(",")}[video]`);
  return parts.join(";");
}

function videoCodecArgs(video: NonNullable<ClipSpec["video"]>): string[] {
  const gop = String(video.gop ?? 50);
  // Damage lasts until the next keyframe, so a damaged clip's keyframes must fall exactly every `gop` frames.
  const fixedGop = (video.events ?? []).some((e) => e.type === "damage");
  switch (video.codec) {
    case "libx264": {
      const fixed = fixedGop ? ["-keyint_min", gop, "-sc_threshold", "0"] : [];
      return [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-g",
        gop,
        ...fixed,
        ...pixelFormat(video),
      ];
    }
    case "libx265": {
      const fixed = fixedGop ? `:min-keyint=${gop}:scenecut=0` : "";
      return [
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-crf",
        "28",
        "-x265-params",
        `keyint=${gop}${fixed}:log-level=error`,
        ...pixelFormat(video),
      ];
    }
    case "libvpx-vp9": {
      const fixed = fixedGop ? ["-keyint_min", gop] : [];
      const rate = ["-b:v", "400k", "-g", gop, ...fixed];
      return [
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        ...rate,
        ...pixelFormat(video),
      ];
    }
    case "libsvtav1":
      // The fastest preset, a fixed keyframe interval (SVT-AV1 places no keyframes at scene changes by default).
      return ["-c:v", "libsvtav1", "-preset", "12", "-b:v", "400k", "-g", gop, ...pixelFormat(video)];
    case "mpeg2video":
      return [
        "-c:v",
        "mpeg2video",
        "-q:v",
        "4",
        "-g",
        gop,
        ...(fixedGop ? ["-sc_threshold", "1000000000"] : []),
      ];
    case "ffv1":
      return ["-c:v", "ffv1"];
  }
}

/** `-pix_fmt` when the clip asks for a format; nothing otherwise (the graph's yuv420p), keeping old recipes. */
function pixelFormat(video: NonNullable<ClipSpec["video"]>): string[] {
  return video.pixelFormat ? ["-pix_fmt", video.pixelFormat] : [];
}

function audioGraph(duration: number, audio: NonNullable<ClipSpec["audio"]>): string {
  const rate = audio.sampleRate ?? 48000;
  const base = 10 ** ((audio.dbfs ?? -23) / 20);
  let gain = String(base);
  // Later events win where they overlap; each is a gain applied to the programme tone.
  for (const e of audio.events ?? []) {
    const level = e.type === "silence" ? 0 : e.type === "clip" ? 8 : 10 ** ((e.dbfs ?? -23) / 20);
    gain = `if(between(t,${e.start},${e.end - 0.0001}),${level},${gain})`;
  }
  const layout = audio.channels === 1 ? "mono" : audio.channels === 2 ? "stereo" : "5.1";
  // The same tone on every channel at full level (an automatic mono-to-stereo mix would lower it by 3 dB).
  const tone = "sin(2*PI*1000*t)*0.9+sin(2*PI*300*t)*0.1";
  // A 1 kHz tone with a quieter 300 Hz partial, driven by the gain timeline; the cast to 16-bit integers pins
  // anything past full scale there, as clipping does.
  return [
    `aevalsrc='${Array(audio.channels).fill(tone).join("|")}':channel_layout=${layout}:sample_rate=${rate}:duration=${duration + 1}`,
    `volume='${gain}':eval=frame`,
    `aformat=sample_fmts=s16:channel_layouts=${layout}`,
    // Encoders with a fixed frame size want exactly that many samples per frame from a filter graph.
    `asetnsamples=n=${ENCODER_FRAME_SAMPLES[audio.codec]}:p=0[audio]`,
  ].join(",");
}

const ENCODER_FRAME_SAMPLES: Record<NonNullable<ClipSpec["audio"]>["codec"], number> = {
  aac: 1024,
  libopus: 960,
  ac3: 1536,
  mp2: 1152,
  pcm_s16le: 1024,
};

function audioCodecArgs(audio: NonNullable<ClipSpec["audio"]>): string[] {
  const rate = ["-ar", String(audio.sampleRate ?? 48000)];
  switch (audio.codec) {
    case "aac":
      return ["-c:a", "aac", "-b:a", "160k", ...rate];
    case "libopus":
      return ["-c:a", "libopus", "-b:a", "128k", ...rate];
    case "ac3":
      return ["-c:a", "ac3", "-b:a", "384k", ...rate];
    case "mp2":
      return ["-c:a", "mp2", "-b:a", "192k", ...rate];
    case "pcm_s16le":
      return ["-c:a", "pcm_s16le", ...rate];
  }
}
