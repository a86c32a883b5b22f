/**
 * The analysis engine: one source, decoded once, every selected detector fed from memory, defects streamed out
 * as they are found and gathered into the report.
 */

import { loudnessSummary } from "../detectors/loudness.ts";
import { ALL_DETECTORS, createDetectors } from "../detectors/registry.ts";
import type { Detector } from "../detectors/types.ts";
import type { ClosedDefect, DetectorName } from "../domain/defect.ts";
import type { Thresholds } from "../domain/job.ts";
import { type AnalysisLimits, DEFAULT_ANALYSIS_LIMITS } from "../domain/limits.ts";
import type { Report } from "../domain/report.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import { startCpuMeter } from "../media/cpu-meter.ts";
import { type DecodePlan, type DecodeResult, decode } from "../media/decoder.ts";
import { EVIDENCE_PICTURES_PER_SECOND } from "../media/evidence-pictures.ts";
import { type AudioStreamInfo, type MediaInfo, probeSource } from "../media/probe.ts";
import { SegmentLocator } from "../media/segment-failures.ts";
import { resolveSupportedSource } from "../media/source-support.ts";
import { refuseOverLimits, startWallClock } from "./analysis-limits.ts";
import { type AnalysisEvent, DetectorSet, type LevelsListener } from "./detector-set.ts";

export interface AnalyzeOptions {
  readonly detectors?: readonly DetectorName[];
  readonly thresholds?: Thresholds;
  readonly allowLocalFiles: boolean;
  /** Proxy for ffmpeg's HTTP(S) requests (the guarded proxy on AWS); none by default. */
  readonly httpProxy?: string;
  readonly signal?: AbortSignal;
  /**
   * Every open/close as it happens, a defect's first event with its evidence when `evidence` is given; a
   * returned promise slows decoding down until it settles.
   */
  readonly onDetectorEvent?: (event: AnalysisEvent) => void | Promise<void>;
  readonly onProgress?: (progress: { time: number; duration: number | undefined }) => void;
  /** The detectors' latest levels, once per second of media (the dashboard's live tile). */
  readonly onLevels?: LevelsListener;
  /** ffmpeg decoder threads (0 = ffmpeg decides); default DECODER_THREADS. */
  readonly decoderThreads?: number;
  /** Stall watchdog, wall-clock budget, media-duration cap, picture budget; default DEFAULT_ANALYSIS_LIMITS. */
  readonly limits?: AnalysisLimits;
  /**
   * Makes evidence of every defect (a picture at its onset, or a sound strip) from the same decode, and stores
   * each image with this; the report's defects and their first events then carry `evidence`.
   */
  readonly evidence?: EvidenceKeeper;
}

/** Whole-picture detectors see pictures this wide; enough for black/freeze, cheap to move and scan. */
const ANALYSIS_WIDTH = 320;
/**
 * …and about this many a second (every 3rd picture of 25–30 fps video, every 5th of 50–60): black and freeze
 * last a second or more and are timed to ±0.25 s, so more pictures would only cost more scaling (the live path,
 * whose stream statistics count pictures, still sends every one).
 */
const ANALYSIS_FRAMES_PER_SECOND = 10;
/**
 * Native-resolution frames for block corruption, the costliest input (each is the full picture): 2.5 a second
 * keep onsets and ends within 0.2 s (the detector times a change halfway between the samples around it).
 */
const NATIVE_FRAMES_PER_SECOND = 2.5;
/**
 * One decoding thread per source: frame threading costs ≈8% more CPU for the same pictures, and the detectors
 * already run beside ffmpeg on another core; a worker gets its parallelism from concurrent jobs.
 */
const DECODER_THREADS = 1;

/**
 * Settles whatever happens: every failure ends in a typed error with ffprobe and ffmpeg killed (the probe times
 * out after the stall period, the decoder watches progress and the media-duration cap, and the whole analysis
 * runs under its wall-clock budget).
 */
export async function analyzeSource(source: string, options: AnalyzeOptions): Promise<Report> {
  const started = performance.now();
  const cpu = startCpuMeter();
  const limits = options.limits ?? DEFAULT_ANALYSIS_LIMITS;
  const detectors = createDetectors(options.detectors ?? ALL_DETECTORS, options.thresholds);
  const resolved = await resolveSupportedSource(source, {
    allowLocalFiles: options.allowLocalFiles,
    httpProxy: options.httpProxy,
  });
  const media = await probeSource(resolved, {
    signal: options.signal,
    timeoutSeconds: limits.stallSeconds,
    maxPixels: limits.maxPixels,
  });
  refuseOverLimits(media, limits, source);
  const plan = decodePlan(media, detectors, options, limits);
  const segments = isPlaylist(media) ? new SegmentLocator(resolved, { live: false }) : undefined;
  const set = new DetectorSet(detectors, options.onDetectorEvent, {
    segments,
    moreAudioTracks: moreAudioTracks(media, detectors, options),
    onLevels: options.onLevels,
    evidence: options.evidence && { keep: options.evidence, pictures: plan.evidencePictures !== undefined },
  });
  const clock = startWallClock(options.signal, limits, media.duration, started, source);
  let result: DecodeResult;
  try {
    result = await decode(resolved, media, plan, set.sink(options.onProgress, media.duration), {
      signal: clock.signal,
      limits,
    });
    await clock.within(set.finish(result.endTime, result.extents));
  } finally {
    clock.dispose();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  // What was decoded, not what the container declares: one wild timestamp can declare hours (see probe.ts).
  const duration = result.endTime;
  const loudness = loudnessSummary(set.summaries());
  const cpuSeconds = cpu.seconds();
  return {
    source,
    media: summarizeMedia(media, { duration, captionFrames: result.captionFrames }, set),
    defects: set.closedDefects(),
    ...(loudness && { loudness }),
    stats: {
      videoFrames: result.videoFrames,
      audioSeconds: round(result.audioSeconds, 3),
      wallSeconds: round(wallSeconds, 3),
      realtimeFactor: round(wallSeconds > 0 ? duration / wallSeconds : 0, 1),
      cpuSeconds: round(cpuSeconds, 3),
      cpuSecondsPerMediaHour: round(duration > 0 ? (cpuSeconds * 3600) / duration : 0, 1),
    },
  };
}

export function decodePlan(
  media: MediaInfo,
  detectors: readonly Detector[],
  options: Pick<AnalyzeOptions, "decoderThreads" | "evidence">,
  limits: Pick<AnalysisLimits, "maxPixels">,
): DecodePlan {
  const wants = (input: Detector["input"]) => detectors.some((d) => d.input === input);
  // Native-frame detectors may time what they see by the analysis frames between their samples.
  const pictures =
    wants("analysis-video") || wants("audio-video") || detectors.some((d) => "pushAnalysis" in d);
  // Evidence pictures only when some detector can find a defect shown as a picture: sound defects are drawn
  // from the PCM.
  const evidencePictures =
    options.evidence &&
    (wants("analysis-video") || wants("native-video") || wants("audio-video") || wants("captions"));
  return {
    analysisSize: media.video && pictures ? analysisSize(media.video.width, media.video.height) : undefined,
    analysisFramesPerSecond: ANALYSIS_FRAMES_PER_SECOND,
    syncPictures: wants("audio-video"),
    nativeFramesPerSecond: media.video && wants("native-video") ? NATIVE_FRAMES_PER_SECOND : undefined,
    // Caption detectors weigh a loss against the programme sound.
    audio: Boolean(media.audio) && (wants("audio") || wants("audio-video") || wants("captions")),
    evidencePictures:
      evidencePictures && media.video
        ? { ...analysisSize(media.video.width, media.video.height), perSecond: EVIDENCE_PICTURES_PER_SECOND }
        : undefined,
    threads: options.decoderThreads ?? DECODER_THREADS,
    maxPixels: limits.maxPixels,
    // Block corruption ends damage at the keyframe that repairs it.
    keyframes: detectors.some((d) => "pushKeyframe" in d),
    // Only when asked for: one more branch of the graph and a line of stderr per captioned picture.
    captions: Boolean(media.video) && wants("captions"),
  };
}

/** Downscaled size keeping the aspect ratio, even dimensions; never upscaled. */
export function analysisSize(width: number, height: number): { width: number; height: number } {
  const targetWidth = Math.min(ANALYSIS_WIDTH, width);
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  return { width: even(targetWidth), height: even((targetWidth * height) / Math.max(1, width)) };
}

/** A set of audio detectors for each audio track after the first (whose detectors are in `detectors`). */
function moreAudioTracks(
  media: MediaInfo,
  detectors: readonly Detector[],
  options: Pick<AnalyzeOptions, "thresholds">,
): Detector[][] {
  const names = detectors.filter((d) => d.input === "audio").map((d) => d.type as DetectorName);
  if (names.length === 0) return [];
  return media.audioTracks.slice(1).map(() => createDetectors(names, options.thresholds));
}

/** ffmpeg's HLS reader names itself "hls" (5.x) or "hls,applehttp" (4.x). */
function isPlaylist(media: MediaInfo): boolean {
  return media.formatName.split(",").includes("hls");
}

function summarizeMedia(
  media: MediaInfo,
  decoded: { readonly duration: number; readonly captionFrames: number | undefined },
  set: DetectorSet,
): Report["media"] {
  const { video, audio } = media;
  const audioInfo = (a: AudioStreamInfo) => ({
    codec: a.codec,
    sampleRate: a.sampleRate,
    channels: a.channels,
  });
  /** What the phase detector says of a track's stereo image (mono carried as stereo is no defect). */
  const stereoImage = (summaries: Record<string, number | null>) => {
    const { monoInStereo, phaseCorrelation } = summaries;
    return {
      ...(typeof monoInStereo === "number" && { monoInStereo: monoInStereo === 1 }),
      ...(typeof phaseCorrelation === "number" && { phaseCorrelation }),
    };
  };
  return {
    duration: round(decoded.duration, 3),
    ...(video && {
      video: { codec: video.codec, width: video.width, height: video.height, fps: round(video.fps, 3) },
    }),
    ...(audio && { audio: { ...audioInfo(audio), ...stereoImage(set.summaries()) } }),
    ...(media.audioTracks.length > 0 && {
      audioTracks: media.audioTracks.map((track, i) => {
        const summaries = set.trackSummaries(i);
        const loudness = loudnessSummary(summaries);
        return {
          track: i + 1,
          index: track.index,
          ...audioInfo(track),
          ...(track.channelLayout && { channelLayout: track.channelLayout }),
          ...(loudness && { loudness }),
          ...stereoImage(summaries),
        };
      }),
    }),
    ...(decoded.captionFrames !== undefined && { captions: decoded.captionFrames > 0 }),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export type { ClosedDefect };
