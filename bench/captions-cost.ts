/**
 * What captions-lost adds to a file analysis, on the bench clip with CEA-608 captions put in every picture
 * (test/support/caption-injector.ts): the decoder with and without its caption branch (the A53_CC sidedata
 * selection after the fps filter, its stderr lines parsed in Node), everything else as `avmon analyze` plans
 * it, taking turns ROUNDS times and compared by medians (ffmpeg's CPU and Node's, in process); then the detector
 * alone on the clip's audio and one caption a picture, median of 5. A whole-analysis run with and without the
 * detector could not show this: the cost is below the few per cent such runs drift by.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCaptionsLostDetector } from "../core-service/src/detectors/captions-lost.ts";
import { createDetectors } from "../core-service/src/detectors/registry.ts";
import { FILE_DEFECT_TYPES } from "../core-service/src/domain/defect.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../core-service/src/domain/limits.ts";
import { decode } from "../core-service/src/media/decoder.ts";
import { runFfmpeg } from "../core-service/src/media/ffmpeg.ts";
import { probeSource } from "../core-service/src/media/probe.ts";
import { resolveSource } from "../core-service/src/media/source.ts";
import { decodePlan } from "../core-service/src/pipeline/analyze.ts";
import { injectCaptions } from "../test/support/caption-injector.ts";
import { decodedAudio } from "./loudness-cost.ts";
import { childrenCpuSeconds } from "./process-meter.ts";

const ROUNDS = 3;
const DETECTOR_RUNS = 5;
const RATE = 48000;
const CHUNK_FRAMES = 1024;

export interface CaptionsCost {
  /** Median CPU seconds of the decode (ffmpeg + Node) without and with the caption branch. */
  readonly withoutCaptions: number;
  readonly withCaptions: number;
  readonly captionFrames: number;
  /** Median CPU seconds of the detector alone over the clip. */
  readonly detectorSeconds: number;
  readonly mediaSeconds: number;
}

export async function captionsCost(minute: string, dir: string): Promise<CaptionsCost> {
  const clip = await captionedClip(minute, dir);
  const source = resolveSource(clip, { allowLocalFiles: true });
  const media = await probeSource(source);
  // Every detector but captions-lost: the plan of a default analysis, with the caption branch off or on.
  const others = createDetectors(FILE_DEFECT_TYPES.filter((type) => type !== "captions-lost"));
  const plan = decodePlan(media, others, {}, DEFAULT_ANALYSIS_LIMITS);
  const without: number[] = [];
  const withCaptions: number[] = [];
  let captionFrames = 0;
  for (let round = 0; round < ROUNDS; round++) {
    without.push((await decodeCpu(source, media, { ...plan, captions: false })).cpu);
    const measured = await decodeCpu(source, media, { ...plan, captions: true });
    withCaptions.push(measured.cpu);
    captionFrames = measured.captionFrames;
  }
  const samples = await decodedAudio(minute, dir, 2);
  const fps = media.video?.fps ?? 30;
  const detectorRuns = Array.from({ length: DETECTOR_RUNS }, () => detectorOnce(samples, fps));
  return {
    withoutCaptions: median(without),
    withCaptions: median(withCaptions),
    captionFrames,
    detectorSeconds: median(detectorRuns),
    mediaSeconds: samples.length / 2 / RATE,
  };
}

async function decodeCpu(
  source: ReturnType<typeof resolveSource>,
  media: Awaited<ReturnType<typeof probeSource>>,
  plan: ReturnType<typeof decodePlan>,
): Promise<{ cpu: number; captionFrames: number }> {
  const children = childrenCpuSeconds();
  const own = process.cpuUsage();
  const result = await decode(source, media, plan, {});
  const used = process.cpuUsage(own);
  const cpu = childrenCpuSeconds() - children + (used.user + used.system) / 1e6;
  return { cpu, captionFrames: result.captionFrames ?? 0 };
}

function detectorOnce(samples: Float32Array, fps: number): number {
  const frames = samples.length / 2;
  const detector = createCaptionsLostDetector();
  let nextPicture = 0;
  const before = process.cpuUsage();
  for (let f = 0; f < frames; f += CHUNK_FRAMES) {
    const to = Math.min(frames, f + CHUNK_FRAMES);
    for (; nextPicture / fps < to / RATE; nextPicture++) detector.pushCaptions({ time: nextPicture / fps });
    detector.push({
      time: f / RATE,
      sampleRate: RATE,
      channels: 2,
      channelNames: ["FL", "FR"],
      samples: samples.subarray(f * 2, to * 2),
    });
  }
  detector.flush(frames / RATE);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** The bench clip with captions in every picture: its H.264 pulled out, captioned, and muxed back with its sound. */
async function captionedClip(minute: string, dir: string): Promise<string> {
  const path = join(dir, "bench-60s-1080p30-captioned.mp4");
  if (existsSync(path)) return path;
  const elementary = join(dir, "bench-60s.h264");
  const captioned = join(dir, "bench-60s-captioned.h264");
  await runFfmpeg([
    "-y",
    "-i",
    minute,
    "-map",
    "0:v",
    "-c",
    "copy",
    "-bsf:v",
    "h264_mp4toannexb",
    elementary,
  ]);
  // Stream order is not presentation order here (the clip has B-frames): every picture gets captions anyway.
  writeFileSync(
    captioned,
    injectCaptions(readFileSync(elementary), { codec: "h264", captioned: () => true, padding: 18 }).stream,
  );
  const partial = `${path}.partial.mp4`;
  await runFfmpeg([
    "-y",
    ...["-fflags", "+genpts", "-framerate", "30", "-i", captioned, "-i", minute],
    ...["-map", "0:v", "-map", "1:a", "-c", "copy", partial],
  ]);
  renameSync(partial, path);
  return path;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
