import { z } from "zod";
import { Defect } from "./defect.ts";
import { Evidence } from "./evidence.ts";

export const VideoInfo = z.object({
  codec: z.string(),
  width: z.number(),
  height: z.number(),
  fps: z.number(),
});
export const AudioInfo = z.object({
  codec: z.string(),
  sampleRate: z.number(),
  channels: z.number(),
  /** The phase detector's view of the main pair: the same signal on both legs (mono carried as stereo). */
  monoInStereo: z.boolean().optional(),
  /** The main pair's correlation over the whole track, −1 to 1, as ffmpeg's aphasemeter would average it. */
  phaseCorrelation: z.number().optional(),
});
/**
 * What an EBU R128 meter gives for the whole programme: integrated loudness (LUFS), Loudness Range (LU, EBU
 * Tech 3342), maximum true peak (dBTP), maximum momentary and short-term loudness (LUFS), and the target the
 * defects were measured against. Null where a value is undefined: everything gated out (silence), or a
 * programme shorter than the 3 s short-term window.
 */
export const LoudnessSummary = z.object({
  integrated: z.number().nullable(),
  range: z.number().nullable(),
  truePeak: z.number().nullable(),
  maxMomentary: z.number().nullable(),
  maxShortTerm: z.number().nullable(),
  target: z.number(),
});
export type LoudnessSummary = z.infer<typeof LoudnessSummary>;

/** One audio track of the source, as analysed: `track` is the number its defects carry (from 1). */
export const AudioTrack = AudioInfo.extend({
  track: z.number().int().positive(),
  /** The stream's index in the container (ffmpeg's 0:N). */
  index: z.number().int().nonnegative(),
  channelLayout: z.string().optional(),
  loudness: LoudnessSummary.optional(),
});
export type AudioTrack = z.infer<typeof AudioTrack>;

export const MediaSummary = z.object({
  duration: z.number(),
  video: VideoInfo.optional(),
  /** The first audio track. */
  audio: AudioInfo.optional(),
  /** Every audio track, the first included; each was analysed on its own. */
  audioTracks: z.array(AudioTrack).optional(),
  /**
   * Whether the video carries CEA-608/708 closed captions (ATSC A/53 data in H.264/HEVC SEI or MPEG-2 user data)
   * anywhere; absent when captions were not looked for (captions-lost not selected, or no video).
   */
  captions: z.boolean().optional(),
});
export type MediaSummary = z.infer<typeof MediaSummary>;

export const ReportStats = z.object({
  videoFrames: z.number(),
  audioSeconds: z.number(),
  wallSeconds: z.number(),
  realtimeFactor: z.number(),
  /**
   * CPU seconds avmon's process and its ffprobe/ffmpeg spent on this analysis (media/cpu-meter.ts); a live job's
   * are its ffmpegs' and its share of the worker process's, across its deliveries. Absent where not measured (a
   * stopped file job's partial report).
   */
  cpuSeconds: z.number().optional(),
  /** cpuSeconds per hour of media analysed: what a monitored stream-hour costs in CPU. */
  cpuSecondsPerMediaHour: z.number().optional(),
});

/** The JSON report of `avmon analyze --json`, and the summary of a finished job. */
export const Report = z.object({
  source: z.string(),
  media: MediaSummary,
  /** Each with its evidence (`thumbnail`, `at`) when evidence was asked for and kept. */
  defects: z.array(Defect.extend({ evidence: Evidence.optional() })),
  /** The first audio track's; every track's is in media.audioTracks. */
  loudness: LoudnessSummary.optional(),
  stats: ReportStats,
});
export type Report = z.infer<typeof Report>;
