/**
 * Holds avmon's audio detectors against ffmpeg's own meters on generated programmes: the `ebur128` filter
 * (peak=true) for integrated loudness, LRA, true peak and maximum momentary/short-term loudness, `silencedetect`
 * for silence, plus clipping and silence in audio decoded by ffmpeg (FLAC, AAC).
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
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";

const CACHE_DIR = join(import.meta.dirname, "../../.cache/test-media");
const LAYOUT_5_1 = ["FL", "FR", "FC", "LFE", "BL", "BR"];
const STEREO = { rate: 48000, channels: 2, names: ["FL", "FR"] };
/** Copies a mono source to both channels at full level (ffmpeg's automatic upmix would lower it 3 dB). */
const DUPLICATE_TO_STEREO = "pan=stereo|c0=c0|c1=c0";

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

/** What ffmpeg's ebur128 filter (peak=true) reports: its summary, and the maxima of its 10 Hz frame log. */
interface FfmpegMeter {
  readonly integrated: number;
  readonly range: number;
  readonly truePeak: number;
  readonly maxMomentary: number;
  readonly maxShortTerm: number;
}

async function ffmpegMeter(path: string): Promise<FfmpegMeter> {
  const { stderr } = await runFfmpeg(["-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"]);
  const summary = (pattern: RegExp) => {
    const match = pattern.exec(stderr);
    if (!match?.[1]) throw new Error(`no ${pattern} in ffmpeg output:\n${stderr.slice(-800)}`);
    return Number(match[1]);
  };
  // Frame lines: "t: 3.1  TARGET:-23 LUFS  M: -23.0 S: -23.1  I: …". M needs 0.4 s, S 3 s of audio.
  const frames = [...stderr.matchAll(/t: ([\d.]+)\s+TARGET:\S+ LUFS\s+M:\s*(-?[\d.]+) S:\s*(-?[\d.]+)/g)].map(
    (m) => ({
      t: Number(m[1]),
      momentary: Number(m[2]),
      shortTerm: Number(m[3]),
    }),
  );
  return {
    integrated: summary(/Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+) LUFS/),
    range: summary(/Loudness range:\s*\n\s*LRA:\s*(-?[\d.]+) LU/),
    truePeak: summary(/True peak:\s*\n\s*Peak:\s*(-?[\d.]+) dB/),
    maxMomentary: Math.max(...frames.filter((f) => f.t >= 0.4 - 1e-3).map((f) => f.momentary)),
    maxShortTerm: Math.max(...frames.filter((f) => f.t >= 3 - 1e-3).map((f) => f.shortTerm)),
  };
}

async function ffmpegSilences(path: string): Promise<{ start: number; end: number }[]> {
  const { stderr } = await runFfmpeg(["-i", path, "-af", "silencedetect=noise=-60dB:d=2", "-f", "null", "-"]);
  const starts = [...stderr.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...stderr.matchAll(/silence_end: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  return starts.map((start, i) => ({ start, end: ends[i] ?? Number.NaN }));
}

/** Pink and brown noise with a tone on top, and a quieter opening so the gates have work to do. */
function programmeGraph(outputRate: number, layout: "stereo" | "5.1"): string {
  // ffmpeg's ebur128 resamples its input to 48 kHz (BS.1770 publishes only 48 kHz coefficients) and so never
  // hears content above 24 kHz, which avmon measures; above 48 kHz the programme is band-limited to 24 kHz.
  const rate = Math.min(outputRate, 48000);
  const resample = outputRate === rate ? "" : `,aresample=${outputRate}`;
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
  return `${noises};${tone};[noise][tone]amix=inputs=2,volume='if(lt(t,3),0.05,1)':eval=frame${resample},aformat=sample_fmts=flt:channel_layouts=${layout}`;
}

/**
 * How far apart two correct meters may read. Both print one decimal. Integrated loudness and LRA come from the
 * same definitions (0.3 LU covers rounding and binning). LRA takes its percentiles by rank, and ffmpeg rounds
 * the rank differently from Tech 3342's reference (`round((n−1)·p)`): one 100 ms short-term value apart, which
 * only matters where the percentile falls on a level change, as in a 12 s programme with a 3 s fade-in; there
 * the comparison allows Tech 3342's own ±1 LU. ffmpeg reads momentary and short-term loudness 10 times
 * a second where avmon reads them 100 times, so avmon's maxima can be higher on fluctuating noise, never
 * lower. ffmpeg oversamples with swresample rather than BS.1770's filter: Tech 3341 accepts +0.2/−0.4 dB from
 * each, so 0.5 dB.
 */
const AGREEMENT = { integrated: 0.3, range: 0.3, shortProgrammeRange: 1, truePeak: 0.5, maxima: 0.3 };

function expectAgreement(
  ours: Record<string, number | null> | undefined,
  reference: FfmpegMeter,
  rangeTolerance = AGREEMENT.range,
): void {
  const read = (key: string) => ours?.[key] ?? Number.NaN;
  const close = (label: string, value: number, expected: number, tolerance: number) =>
    expect(
      Math.abs(value - expected),
      `${label}: avmon ${value.toFixed(2)} vs ffmpeg ${expected}`,
    ).toBeLessThanOrEqual(tolerance);
  close("integrated", read("integratedLoudness"), reference.integrated, AGREEMENT.integrated);
  close("LRA", read("loudnessRange"), reference.range, rangeTolerance);
  close("true peak", read("truePeak"), reference.truePeak, AGREEMENT.truePeak);
  for (const [key, value] of [
    ["maxMomentary", reference.maxMomentary],
    ["maxShortTerm", reference.maxShortTerm],
  ] as const) {
    expect(read(key), `${key}: avmon ${read(key)} vs ffmpeg ${value}`).toBeGreaterThanOrEqual(value - 0.1);
    expect(read(key), `${key}: avmon ${read(key)} vs ffmpeg ${value}`).toBeLessThanOrEqual(
      value + AGREEMENT.maxima,
    );
  }
}

async function measuredBoth(path: string, stream: Stream) {
  const [reference, samples] = await Promise.all([ffmpegMeter(path), decodeToFloat(path)]);
  const detector = createLoudnessDetector();
  analyse(samples, stream, detector);
  return { reference, ours: detector.summary?.() };
}

describe("loudness meter against ffmpeg ebur128 (peak=true)", () => {
  const cases = [
    { name: "stereo at 48 kHz", rate: 48000, layout: "stereo" as const, names: ["FL", "FR"] },
    { name: "stereo at 44.1 kHz", rate: 44100, layout: "stereo" as const, names: ["FL", "FR"] },
    { name: "stereo at 96 kHz", rate: 96000, layout: "stereo" as const, names: ["FL", "FR"] },
    { name: "5.1 at 48 kHz", rate: 48000, layout: "5.1" as const, names: LAYOUT_5_1 },
    { name: "5.1 with an unknown layout", rate: 48000, layout: "5.1" as const, names: [] },
  ];
  for (const c of cases) {
    it(`agrees on integrated, LRA, true peak and max momentary/short-term of noise and tones, ${c.name}`, async () => {
      const path = await generated("flac", programmeGraph(c.rate, c.layout), [
        "-c:a",
        "flac",
        "-ar",
        String(c.rate),
      ]);
      const channels = c.layout === "stereo" ? 2 : 6;
      const { reference, ours } = await measuredBoth(path, { rate: c.rate, channels, names: c.names });
      expectAgreement(ours, reference, AGREEMENT.shortProgrammeRange);
    });
  }

  it("agrees on the loudness range of pink noise stepping between levels 12 LU apart", async () => {
    const steps = "volume='if(lt(t,10),1,if(lt(t,20),0.25,if(lt(t,30),0.5,1)))':eval=frame";
    const graph = `anoisesrc=d=40:c=pink:r=48000:a=0.5:seed=7,${steps},${DUPLICATE_TO_STEREO},aformat=sample_fmts=flt`;
    const path = await generated("flac", graph, ["-c:a", "flac"]);
    const { reference, ours } = await measuredBoth(path, STEREO);
    expect(reference.range).toBeGreaterThan(8);
    expectAgreement(ours, reference);
  });

  it("agrees on the true peak of inter-sample overs: an 11 kHz tone and a hard-clipped one", async () => {
    const graph =
      "aevalsrc='if(lt(t,3),0.9*sin(2*PI*11000*t+0.7),max(-1,min(1,3*sin(2*PI*997*t))))':s=48000:d=6";
    const path = await generated("flac", `${graph},${DUPLICATE_TO_STEREO}`, ["-c:a", "flac"]);
    const { reference, ours } = await measuredBoth(path, STEREO);
    expect(reference.truePeak).toBeGreaterThan(0);
    expectAgreement(ours, reference);
  });
});

describe("the report's loudness through the whole pipeline", () => {
  it("carries ffmpeg's integrated loudness, LRA, true peak and maxima, to one decimal", async () => {
    const path = await generated("m4a", programmeGraph(48000, "stereo"), ["-c:a", "aac", "-b:a", "192k"]);
    const [reference, report] = await Promise.all([
      ffmpegMeter(path),
      analyzeSource(path, { allowLocalFiles: true, detectors: ["loudness"] }),
    ]);
    const loudness = report.loudness;
    expect(loudness?.target).toBe(-23);
    for (const key of ["integrated", "range", "truePeak", "maxMomentary", "maxShortTerm"] as const) {
      const value = loudness?.[key];
      expect(value, key).toBeTypeOf("number");
      expect(Math.round((value as number) * 10), `${key} has one decimal`).toBe((value as number) * 10);
    }
    expectAgreement(
      {
        integratedLoudness: loudness?.integrated ?? null,
        loudnessRange: loudness?.range ?? null,
        truePeak: loudness?.truePeak ?? null,
        maxMomentary: loudness?.maxMomentary ?? null,
        maxShortTerm: loudness?.maxShortTerm ?? null,
      },
      reference,
      AGREEMENT.shortProgrammeRange,
    );
  });
});

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
