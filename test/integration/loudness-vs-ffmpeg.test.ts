/**
 * Holds avmon's audio detectors against ffmpeg's own meters on generated programmes: the `ebur128` filter for
 * loudness and `silencedetect` for silence, plus clipping and silence in audio decoded by ffmpeg (FLAC, AAC).
 * Clips are a few seconds long and cached under .cache/test-media by a hash of the ffmpeg arguments.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createClippingDetector } from "../../core-service/src/detectors/clipping.ts";
import { createLoudnessDetector } from "../../core-service/src/detectors/loudness.ts";
import { createSilenceDetector } from "../../core-service/src/detectors/silence.ts";
import type { AudioDetector, DetectorEvent } from "../../core-service/src/detectors/types.ts";
import { runFfmpeg, spawnFfmpeg } from "../../core-service/src/media/ffmpeg.ts";

const CACHE_DIR = join(import.meta.dirname, "../../.cache/test-media");
const LAYOUT_5_1 = ["FL", "FR", "FC", "LFE", "BL", "BR"];
const STEREO = { rate: 48000, channels: 2, names: ["FL", "FR"] };

async function generated(extension: string, graph: string, codecArgs: readonly string[]): Promise<string> {
  const args = ["-filter_complex", graph, ...codecArgs];
  const hash = createHash("sha256").update(JSON.stringify(args)).digest("hex").slice(0, 16);
  const path = join(CACHE_DIR, `audio-${hash}.${extension}`);
  if (existsSync(path)) return path;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = join(CACHE_DIR, `audio-${hash}.partial.${extension}`);
  await runFfmpeg(["-y", ...args, partial]);
  renameSync(partial, path);
  return path;
}

/** Decodes a file to interleaved 32-bit floats, as the analysis pipeline receives them. */
function decodeToFloat(path: string): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(["-i", path, "-f", "f32le", "-c:a", "pcm_f32le", "-"]);
    const parts: Buffer[] = [];
    child.stdout?.on("data", (d: Buffer) => parts.push(d));
    child.stderr?.resume();
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg could not decode ${path} (exit ${code})`));
      const bytes = Buffer.concat(parts);
      resolve(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    });
  });
}

interface Stream {
  readonly rate: number;
  readonly channels: number;
  readonly names: readonly string[];
}

/** Runs detectors over decoded audio in 1024-frame chunks (an AAC frame's worth). */
function analyse(samples: Float32Array, stream: Stream, ...detectors: AudioDetector[]) {
  const frames = samples.length / stream.channels;
  const events: DetectorEvent[] = [];
  for (let f = 0; f < frames; f += 1024) {
    const to = Math.min(frames, f + 1024);
    const chunk = {
      time: f / stream.rate,
      sampleRate: stream.rate,
      channels: stream.channels,
      channelNames: stream.names,
      samples: samples.subarray(f * stream.channels, to * stream.channels),
    };
    for (const d of detectors) events.push(...d.push(chunk));
  }
  for (const d of detectors) events.push(...d.flush(frames / stream.rate));
  return events.filter((e) => e.kind === "close").map((e) => e.defect);
}

async function ffmpegIntegratedLoudness(path: string): Promise<number> {
  const { stderr } = await runFfmpeg(["-i", path, "-af", "ebur128", "-f", "null", "-"]);
  const match = /Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+) LUFS/.exec(stderr);
  if (!match?.[1]) throw new Error(`no integrated loudness in ffmpeg output:\n${stderr.slice(-500)}`);
  return Number(match[1]);
}

async function ffmpegSilences(path: string): Promise<{ start: number; end: number }[]> {
  const { stderr } = await runFfmpeg(["-i", path, "-af", "silencedetect=noise=-60dB:d=2", "-f", "null", "-"]);
  const starts = [...stderr.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...stderr.matchAll(/silence_end: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  return starts.map((start, i) => ({ start, end: ends[i] ?? Number.NaN }));
}

/** Pink and brown noise with a tone on top, and a quieter opening so the gates have work to do. */
function programmeGraph(rate: number, layout: "stereo" | "5.1"): string {
  const noises =
    layout === "stereo"
      ? `anoisesrc=d=12:c=pink:r=${rate}:a=0.3[n0];anoisesrc=d=12:c=brown:r=${rate}:a=0.3[n1];[n0][n1]amerge=inputs=2[noise]`
      : [
          ...["pink", "brown", "pink", "brown", "pink", "brown"].map(
            (c, i) => `anoisesrc=d=12:c=${c}:r=${rate}:a=0.3[n${i}]`,
          ),
          "[n0][n1][n2][n3][n4][n5]amerge=inputs=6,pan=5.1|c0=c0|c1=0.8*c1|c2=0.6*c2|c3=2*c3|c4=0.5*c4|c5=0.7*c5[noise]",
        ].join(";");
  const tone = `sine=f=997:r=${rate}:d=12,volume=0.1,aformat=channel_layouts=${layout}[tone]`;
  return `${noises};${tone};[noise][tone]amix=inputs=2,volume='if(lt(t,3),0.05,1)':eval=frame,aformat=sample_fmts=flt:channel_layouts=${layout}`;
}

describe("loudness meter against ffmpeg ebur128", () => {
  const cases = [
    { name: "stereo at 48 kHz", rate: 48000, layout: "stereo" as const, names: ["FL", "FR"] },
    { name: "stereo at 44.1 kHz", rate: 44100, layout: "stereo" as const, names: ["FL", "FR"] },
    { name: "5.1 at 48 kHz", rate: 48000, layout: "5.1" as const, names: LAYOUT_5_1 },
    { name: "5.1 with an unknown layout", rate: 48000, layout: "5.1" as const, names: [] },
  ];
  for (const c of cases) {
    it(`agrees within 0.3 LU on integrated loudness of noise and tones, ${c.name}`, async () => {
      const path = await generated("flac", programmeGraph(c.rate, c.layout), [
        "-c:a",
        "flac",
        "-ar",
        String(c.rate),
      ]);
      const channels = c.layout === "stereo" ? 2 : 6;
      const [reference, samples] = await Promise.all([ffmpegIntegratedLoudness(path), decodeToFloat(path)]);
      const detector = createLoudnessDetector();
      analyse(samples, { rate: c.rate, channels, names: c.names }, detector);
      const ours = detector.summary?.().integratedLoudness ?? Number.NaN;
      expect(Math.abs(ours - reference), `avmon ${ours} vs ffmpeg ${reference}`).toBeLessThanOrEqual(0.3);
    });
  }
});

/** Copies a mono source to both channels at full level (ffmpeg's automatic upmix would lower it 3 dB). */
const DUPLICATE_TO_STEREO = "pan=stereo|c0=c0|c1=c0";
const TONE_WITH_GAPS =
  "aevalsrc='0.3*sin(2*PI*440*t)*(1-between(t,4,7))*(1-between(t,10,12.5))':s=48000:d=16";

describe("silence against ffmpeg silencedetect", () => {
  it("finds the same digital silences as silencedetect (noise=-60dB, d=2) to within 0.05 s", async () => {
    const path = await generated("flac", `${TONE_WITH_GAPS},${DUPLICATE_TO_STEREO}`, ["-c:a", "flac"]);
    const [reference, samples] = await Promise.all([ffmpegSilences(path), decodeToFloat(path)]);
    const ours = analyse(samples, STEREO, createSilenceDetector());
    expect(reference).toHaveLength(2);
    expect(ours).toHaveLength(2);
    ours.forEach((defect, i) => {
      expect(Math.abs(defect.start - (reference[i]?.start ?? Number.NaN))).toBeLessThanOrEqual(0.05);
      expect(Math.abs(defect.end - (reference[i]?.end ?? Number.NaN))).toBeLessThanOrEqual(0.05);
    });
  });

  it("still finds both silences after AAC turns them into low-level noise", async () => {
    const path = await generated("m4a", `${TONE_WITH_GAPS},${DUPLICATE_TO_STEREO}`, [
      "-c:a",
      "aac",
      "-b:a",
      "96k",
    ]);
    const samples = await decodeToFloat(path);
    const ours = analyse(samples, STEREO, createSilenceDetector());
    expect(ours).toHaveLength(2);
    for (const [i, truth] of [
      [0, [4, 7]],
      [1, [10, 12.5]],
    ] as const) {
      expect(Math.abs((ours[i]?.start ?? 0) - truth[0])).toBeLessThanOrEqual(0.05);
      expect(Math.abs((ours[i]?.end ?? 0) - truth[1])).toBeLessThanOrEqual(0.05);
    }
  });
});

describe("clipping through ffmpeg", () => {
  const clippedMiddle =
    "aevalsrc='if(between(t,2,4),max(-1,min(1,2*sin(2*PI*1000*t))),0.891*sin(2*PI*1000*t))':s=48000:d=6";

  it("finds a hard-clipped passage in float audio decoded by ffmpeg, and not the −1 dBFS tone around it", async () => {
    const path = await generated("flac", `${clippedMiddle},${DUPLICATE_TO_STEREO}`, ["-c:a", "flac"]);
    const ours = analyse(await decodeToFloat(path), STEREO, createClippingDetector());
    expect(ours).toHaveLength(1);
    expect(Math.abs((ours[0]?.start ?? 0) - 2)).toBeLessThanOrEqual(0.05);
    expect(Math.abs((ours[0]?.end ?? 0) - 4)).toBeLessThanOrEqual(0.05);
    expect(ours[0]?.metrics.clippedRatio).toBeGreaterThan(0.5);
  });

  it("does not call a −1 dBFS tone clipped after AAC encoding", async () => {
    const tone = "aevalsrc='0.891*sin(2*PI*1000*t)':s=48000:d=4";
    const path = await generated("m4a", `${tone},${DUPLICATE_TO_STEREO}`, ["-c:a", "aac", "-b:a", "128k"]);
    expect(analyse(await decodeToFloat(path), STEREO, createClippingDetector())).toEqual([]);
  });
});
