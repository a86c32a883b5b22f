import { z } from "zod";
import { Defect } from "./defect.ts";

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
});
export const MediaSummary = z.object({
  duration: z.number(),
  video: VideoInfo.optional(),
  audio: AudioInfo.optional(),
});
export type MediaSummary = z.infer<typeof MediaSummary>;

export const ReportStats = z.object({
  videoFrames: z.number(),
  audioSeconds: z.number(),
  wallSeconds: z.number(),
  realtimeFactor: z.number(),
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

/** The JSON report of `avmon analyze --json`, and the summary of a finished job. */
export const Report = z.object({
  source: z.string(),
  media: MediaSummary,
  defects: z.array(Defect),
  loudness: LoudnessSummary.optional(),
  stats: ReportStats,
});
export type Report = z.infer<typeof Report>;
