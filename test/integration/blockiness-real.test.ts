/**
 * The blockiness detector on pictures that real encoders and a real decoder made: ffmpeg encodes tiny clips
 * (cached under .cache/test-media), decodes their luma at native size as raw gray frames, and reports its
 * decoder errors on stderr, which this file feeds to the detector the way the pipeline will.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBlockinessDetector } from "../../core-service/src/detectors/blockiness.ts";
import type { DecodeErrorEvent, DetectorEvent, LumaFrame } from "../../core-service/src/detectors/types.ts";
import { parseDecoderComplaint } from "../../core-service/src/media/decoder-complaints.ts";
import { spawnFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { runEncoder } from "../support/encoder-threads.ts";

const CACHE = join(import.meta.dirname, "../../.cache/test-media");
const FOOTAGE = "/work/shared/media/real-640x360-1s.mp4";
const FPS = 25;
// The pipeline sends every k-th frame, k = round(fps / 5).
const EVERY = Math.round(FPS / 5);

/** Runs an ffmpeg recipe once; later runs reuse the file named by the recipe's hash. */
async function cached(
  name: string,
  ext: string,
  make: (out: string) => Promise<void>,
  recipe: unknown,
): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 12);
  const path = join(CACHE, `blockiness-${name}-${hash}.${ext}`);
  if (existsSync(path)) return path;
  mkdirSync(CACHE, { recursive: true });
  const partial = `${path}.partial.${ext}`;
  await make(partial);
  renameSync(partial, path);
  return path;
}

function encode(name: string, ext: string, args: readonly string[]): Promise<string> {
  return cached(name, ext, (out) => runEncoder(["-y", ...args, out]).then(() => undefined), args);
}

/** The filmed footage looped (it is 1 s long), re-timed to FPS, `from`..`from + seconds`. */
const footage = (from: number, seconds: number) => [
  ...["-stream_loop", "7", "-i", FOOTAGE, "-ss", String(from), "-t", String(seconds)],
  ...["-an", "-r", String(FPS)],
];

/** Clean MPEG-2, starved MPEG-2 (every macroblock at the coarsest quantiser) from 2 s to 4 s, clean again. */
async function starvedWindowClip(): Promise<string> {
  const quality = (qscale: number) => [
    "-c:v",
    "mpeg2video",
    "-qmin",
    String(qscale),
    "-qmax",
    String(qscale),
  ];
  const segments = await Promise.all([
    encode("m2v-clean-a", "m2v", [...footage(0, 2), ...quality(2)]),
    encode("m2v-starved", "m2v", [...footage(2, 2), ...quality(31), "-b:v", "100k"]),
    encode("m2v-clean-b", "m2v", [...footage(4, 2), ...quality(2)]),
  ]);
  // MPEG-2 elementary streams can be joined byte for byte: each segment starts with a sequence header.
  return cached(
    "m2v-window",
    "m2v",
    async (out) => writeFileSync(out, Buffer.concat(segments.map((s) => readFileSync(s)))),
    segments,
  );
}

/** H.264 (keyframes every 2 s, no B-frames) whose keyframe at 2.0 s has a run of its slice data overwritten. */
async function damagedH264Clip(): Promise<string> {
  const clean = await encode("h264-clean", "h264", [
    ...footage(0, 6),
    ...["-c:v", "libx264", "-crf", "23", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-bf", "0"],
    ...["-threads", "1", "-f", "h264"],
  ]);
  return cached(
    "h264-damaged",
    "h264",
    async (out) => writeFileSync(out, corruptPicture(readFileSync(clean), 50)),
    [clean, 50],
  );
}

/** Overwrites the middle third of the n-th coded picture (one slice per picture) with bytes that cannot form a start code. */
function corruptPicture(stream: Buffer, picture: number): Buffer {
  const damaged = Buffer.from(stream);
  const nalStarts: number[] = [];
  for (let i = 0; i + 3 < damaged.length; i++) {
    if (damaged[i] === 0 && damaged[i + 1] === 0 && damaged[i + 2] === 1) nalStarts.push(i + 3);
  }
  const slices = nalStarts
    .map((start, i) => ({ start, end: (nalStarts[i + 1] ?? damaged.length + 3) - 3 }))
    .filter(({ start }) => [1, 5].includes((damaged[start] as number) & 0x1f));
  const target = slices[picture];
  if (!target) throw new Error(`the stream has only ${slices.length} pictures`);
  const third = Math.floor((target.end - target.start) / 3);
  for (let i = target.start + third; i < target.start + 2 * third; i++) damaged[i] = 0x80 | ((i * 73) & 0x7f);
  return damaged;
}

interface Decoded {
  readonly frames: LumaFrame[];
  readonly errors: DecodeErrorEvent[];
  readonly duration: number;
}

/**
 * Decodes every EVERY-th frame's luma at native size. ffmpeg logs a frame's decoder errors before showinfo
 * reports that frame (single-threaded decoding keeps that order), so each error takes the next frame's time.
 */
async function decodeLuma(path: string): Promise<Decoded> {
  const child = spawnFfmpeg([
    ...["-threads", "1", "-i", path, "-vf", `showinfo,select=not(mod(n\\,${EVERY}))`],
    ...["-vsync", "0", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
  ]);
  const chunks: Buffer[] = [];
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`ffmpeg could not decode ${path}: ${stderr.slice(-500)}`);
  const raw = Buffer.concat(chunks);

  const frames: LumaFrame[] = [];
  const errors: DecodeErrorEvent[] = [];
  let pending: string[] = [];
  let origin: number | undefined;
  let last = 0;
  for (const line of stderr.split("\n")) {
    const shown = /n:\s*(\d+) .*pts_time:\s*([-\d.]+).* s:(\d+)x(\d+)/.exec(line);
    if (!shown) {
      const complaint = parseDecoderComplaint(line, 0);
      if (complaint) pending.push(complaint);
      continue;
    }
    const [n, ptsTime, width, height] = shown.slice(1).map(Number) as [number, number, number, number];
    origin ??= ptsTime;
    const time = Math.round((ptsTime - origin) * 1000) / 1000;
    last = time;
    for (const message of pending) errors.push({ time, message });
    pending = [];
    if (n % EVERY !== 0) continue;
    const offset = frames.length * width * height;
    const data = new Uint8Array(raw.buffer, raw.byteOffset + offset, width * height);
    frames.push({ index: n, time, width, height, data, range: "limited" });
  }
  return { frames, errors, duration: last + 1 / FPS };
}

/** Feeds frames and errors in media-time order, as the pipeline does, and returns every event. */
function analyse({ frames, errors, duration }: Decoded): DetectorEvent[] {
  const detector = createBlockinessDetector();
  const events: DetectorEvent[] = [];
  let nextError = 0;
  for (const frame of frames) {
    while (nextError < errors.length && (errors[nextError]?.time ?? Infinity) <= frame.time) {
      events.push(...detector.pushDecodeError(errors[nextError++] as DecodeErrorEvent));
    }
    events.push(...detector.push(frame));
  }
  return [...events, ...detector.flush(duration)];
}

const closed = (events: DetectorEvent[]) => events.filter((e) => e.kind === "close").map((e) => e.defect);

describe("blockiness on real encodes", () => {
  it("reports nothing on filmed footage encoded well as H.264 or as MPEG-2", async () => {
    const h264 = await encode("h264-crf18", "mp4", [...footage(0, 4), "-c:v", "libx264", "-crf", "18"]);
    const mpeg2 = await encode("m2v-q2", "m2v", [...footage(0, 4), "-c:v", "mpeg2video", "-q:v", "2"]);

    for (const clip of [h264, mpeg2]) {
      const decoded = await decodeLuma(clip);
      expect(decoded.frames.length).toBeGreaterThanOrEqual(19);
      expect(decoded.frames[0]?.width).toBe(640);
      expect(analyse(decoded)).toEqual([]);
    }
  });

  it("finds the starved MPEG-2 window from 2 s to 4 s within a quarter of a second", async () => {
    const decoded = await decodeLuma(await starvedWindowClip());

    const defects = closed(analyse(decoded));

    expect(decoded.errors).toEqual([]);
    expect(defects).toHaveLength(1);
    expect(Math.abs((defects[0]?.start ?? -1) - 2)).toBeLessThanOrEqual(0.25);
    expect(Math.abs((defects[0]?.end ?? -1) - 4)).toBeLessThanOrEqual(0.25);
    expect(defects[0]?.metrics.blockiness).toBeGreaterThan(0.3);
    expect(defects[0]?.metrics.decodeErrors).toBe(0);
  });

  it("reports an H.264 keyframe damaged in transit from 2 s until the next keyframe at 4 s", async () => {
    const decoded = await decodeLuma(await damagedH264Clip());

    const defects = closed(analyse(decoded));

    expect(decoded.errors.some((e) => /concealing \d+ DC/.test(e.message))).toBe(true);
    expect(defects).toHaveLength(1);
    expect(Math.abs((defects[0]?.start ?? -1) - 2)).toBeLessThanOrEqual(0.25);
    // Errors are reported for the damaged keyframe only; the picture carries the damage on to the next one.
    expect(defects[0]?.end).toBeGreaterThanOrEqual(3.5);
    expect(defects[0]?.end).toBeLessThanOrEqual(4.25);
    expect(defects[0]?.metrics.decodeErrors).toBeGreaterThan(0);
    expect(defects[0]?.severity).toBe("major");
  });
});
