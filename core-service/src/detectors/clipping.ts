/**
 * Clipping detector: finds runs of consecutive near-full-scale samples ("clip events") in the decoded float
 * signal and reports the stretches where such events are dense.
 *
 * Works on floats before any integer conversion: in integer PCM a clipped waveform sits exactly at the limits,
 * but after lossy decoding (AAC, MP3, Opus) its flat tops overshoot and ripple around ±1.0, so "at full scale"
 * has to mean "at or above a threshold just under it". A run length of a few samples separates a flattened
 * top from a single loud peak that merely touches the threshold.
 */
import { z } from "zod";
import type { Severity } from "../domain/defect.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";

export const ClippingOptions = z
  .object({
    /** |sample| at or above this counts as full scale (0.99 ≈ −0.09 dBFS): catches lossy overshoot and ripple. */
    threshold: z.number().gt(0).max(1).default(0.99),
    /** Consecutive full-scale samples in one channel that make a clip event; a lone peak is not clipping. */
    minRun: z.number().int().min(2).default(3),
    /** Clip events closer than this many seconds belong to the same clipped stretch. */
    mergeGap: z.number().positive().default(0.5),
    /** Seconds from the first to the last event of a stretch before it is reported. */
    minDuration: z.number().nonnegative().default(0.1),
    /** Clip events a stretch needs before it is reported. */
    minEvents: z.number().int().min(1).default(3),
    /** Share of samples clipped (all channels) from which a stretch is major rather than minor. */
    majorRatio: z.number().gt(0).max(1).default(0.01),
  })
  .strict();
export type ClippingOptions = z.input<typeof ClippingOptions>;

interface ClippedStretch {
  readonly start: number;
  lastEnd: number;
  events: number;
  clippedSamples: number;
  peak: number;
  opened: boolean;
}

export function createClippingDetector(options: ClippingOptions = {}): AudioDetector {
  const o = ClippingOptions.parse(options);
  let sampleRate = 0;
  let channels = 0;
  let runLengths = new Int32Array(0);
  let runStarts = new Float64Array(0);
  let runPeaks = new Float64Array(0);
  let stretch: ClippedStretch | undefined;

  const qualifies = (s: ClippedStretch) =>
    s.events >= o.minEvents && s.lastEnd - s.start >= o.minDuration - 1e-9;

  const defectFor = (s: ClippedStretch) => {
    const clippedRatio = s.clippedSamples / Math.max(1, (s.lastEnd - s.start) * sampleRate * channels);
    const severity: Severity = clippedRatio >= o.majorRatio ? "major" : "minor";
    return {
      type: "clipping" as const,
      start: s.start,
      severity,
      // More events mean a more certain call: a handful could be a hot but legitimate master.
      confidence: Math.min(1, 0.5 + s.events / (10 * o.minEvents)),
      metrics: {
        clippedSamples: s.clippedSamples,
        clippedRatio: Math.min(1, Math.round(clippedRatio * 1e6) / 1e6),
        peak: Math.round(s.peak * 1e4) / 1e4,
        events: s.events,
      },
    };
  };

  const endStretch = (): DetectorEvent[] => {
    const s = stretch;
    stretch = undefined;
    if (!s || !(s.opened || qualifies(s))) return [];
    return [{ kind: "close", defect: { ...defectFor(s), end: s.lastEnd } }];
  };

  const onClipEvent = (start: number, end: number, peak: number): DetectorEvent[] => {
    const events = stretch && start - stretch.lastEnd > o.mergeGap ? endStretch() : [];
    stretch ??= { start, lastEnd: end, events: 0, clippedSamples: 0, peak: 0, opened: false };
    stretch.events++;
    stretch.clippedSamples += o.minRun;
    stretch.lastEnd = Math.max(stretch.lastEnd, end);
    stretch.peak = Math.max(stretch.peak, peak);
    if (!stretch.opened && qualifies(stretch)) {
      stretch.opened = true;
      events.push({ kind: "open", defect: defectFor(stretch) });
    }
    return events;
  };

  const resetFormat = (chunk: AudioChunk) => {
    sampleRate = chunk.sampleRate;
    channels = chunk.channels;
    runLengths = new Int32Array(channels);
    runStarts = new Float64Array(channels);
    runPeaks = new Float64Array(channels);
  };

  return {
    type: "clipping",
    input: "audio",
    push(chunk: AudioChunk): DetectorEvent[] {
      if (chunk.sampleRate !== sampleRate || chunk.channels !== channels) resetFormat(chunk);
      const { samples, time } = chunk;
      const frames = Math.floor(samples.length / channels);
      const events: DetectorEvent[] = [];
      const threshold = o.threshold;
      const minRun = o.minRun;
      for (let f = 0; f < frames; f++) {
        for (let c = 0; c < channels; c++) {
          const level = Math.abs(samples[f * channels + c] as number);
          if (level < threshold) {
            runLengths[c] = 0;
            continue;
          }
          const length = (runLengths[c] as number) + 1;
          runLengths[c] = length;
          if (length === 1) {
            runStarts[c] = time + f / sampleRate;
            runPeaks[c] = level;
          } else runPeaks[c] = Math.max(runPeaks[c] as number, level);
          if (length === minRun) {
            events.push(
              ...onClipEvent(runStarts[c] as number, time + (f + 1) / sampleRate, runPeaks[c] as number),
            );
          } else if (length > minRun && stretch) {
            // A run that keeps going (a flattened top, or a stuck DC level) extends the stretch sample by sample.
            stretch.clippedSamples++;
            stretch.lastEnd = Math.max(stretch.lastEnd, time + (f + 1) / sampleRate);
            stretch.peak = Math.max(stretch.peak, level);
          }
        }
      }
      const chunkEnd = time + frames / sampleRate;
      // Close promptly once the gap is certain, so live streams see the end without waiting for the next event.
      if (stretch && chunkEnd - stretch.lastEnd > o.mergeGap) events.push(...endStretch());
      return events;
    },
    flush(_endTime: number): DetectorEvent[] {
      // A clipped stretch ends at its last clipped sample, not at the end of the stream.
      return endStretch();
    },
  };
}
