/**
 * What the loudness meter (BS.1770 K-weighting, 4× true peak, R128 statistics and the defect trackers) costs on
 * its own. The bench clip's audio is decoded once to float (cached), then run through the loudness detector in
 * process, in 1024-frame chunks as the decoder delivers AAC, median of 5 runs. Whole-analysis runs with and
 * without the detector could not show this: the meter is far below the few per cent those runs drift by.
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { createLoudnessDetector } from "../core-service/src/detectors/loudness.ts";
import { runFfmpeg } from "../core-service/src/media/ffmpeg.ts";

const RUNS = 5;
const CHUNK_FRAMES = 1024;
const RATE = 48000;
const LAYOUTS = {
  stereo: ["FL", "FR"],
  "5.1": ["FL", "FR", "FC", "LFE", "BL", "BR"],
} as const;

export interface LoudnessCost {
  readonly layout: keyof typeof LAYOUTS;
  readonly audioSeconds: number;
  /** Median CPU seconds of one pass of the detector over the whole clip. */
  readonly cpuSeconds: number;
}

export async function loudnessCost(clip: string, dir: string): Promise<LoudnessCost[]> {
  const costs: LoudnessCost[] = [];
  for (const layout of Object.keys(LAYOUTS) as (keyof typeof LAYOUTS)[]) {
    const names = LAYOUTS[layout];
    const samples = await decodedAudio(clip, dir, names.length);
    const frames = samples.length / names.length;
    const runs = Array.from({ length: RUNS }, () => meterOnce(samples, names)).sort((a, b) => a - b);
    costs.push({ layout, audioSeconds: frames / RATE, cpuSeconds: runs[Math.floor(RUNS / 2)] as number });
  }
  return costs;
}

function meterOnce(samples: Float32Array, names: readonly string[]): number {
  const channels = names.length;
  const frames = samples.length / channels;
  const detector = createLoudnessDetector();
  const before = process.cpuUsage();
  for (let f = 0; f < frames; f += CHUNK_FRAMES) {
    const to = Math.min(frames, f + CHUNK_FRAMES);
    detector.push({
      time: f / RATE,
      sampleRate: RATE,
      channels,
      channelNames: names,
      samples: samples.subarray(f * channels, to * channels),
    });
  }
  detector.flush(frames / RATE);
  detector.summary?.();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** The clip's audio as interleaved 32-bit floats with `channels` channels (ffmpeg upmixes stereo to 5.1). */
export async function decodedAudio(clip: string, dir: string, channels: number): Promise<Float32Array> {
  const path = join(dir, `bench-audio-${channels}ch.f32`);
  if (!existsSync(path)) {
    const partial = `${path}.partial`;
    await runFfmpeg([
      "-y",
      "-i",
      clip,
      "-vn",
      "-ac",
      String(channels),
      "-ar",
      String(RATE),
      "-f",
      "f32le",
      partial,
    ]);
    renameSync(partial, path);
  }
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
