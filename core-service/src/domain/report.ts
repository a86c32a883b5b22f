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

/** The JSON report of `avmon analyze --json`, and the summary of a finished job. */
export const Report = z.object({
  source: z.string(),
  media: MediaSummary,
  /** Each with its evidence (`thumbnail`, `at`) when evidence was asked for and kept. */
  defects: z.array(Defect.extend({ evidence: Evidence.optional() })),
  loudness: z.object({ integrated: z.number().nullable(), target: z.number() }).optional(),
  stats: ReportStats,
});
export type Report = z.infer<typeof Report>;
