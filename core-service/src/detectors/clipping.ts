/**
 * Clipping detector: finds clipped stretches in the decoded float signal, before any integer conversion.
 *
 * Audio is cut into short windows per channel (aligned to the stream, so chunk sizes do not matter), and each
 * window is checked two ways (see clipping-window.ts): runs of samples pinned at full scale, which is how
 * integer PCM records clipping, and flat plateaus near a ceiling close to full scale, which is what survives of
 * clipping after a lossy codec (AAC, AC-3, MP2, Opus move the flat tops off ±1.0 and make them ripple). Each
 * finding is a clip event; events closer than `mergeGap` form a stretch, reported once it is long and dense
 * enough.
 */
import { z } from "zod";
import type { Severity } from "../domain/defect.ts";
import {
  type ClipFinding,
  findFullScaleRuns,
  findPlateaus,
  newRunState,
  type RunState,
} from "./clipping-window.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";

export const ClippingOptions = z
  .object({
    /**
     * |sample| from which a sample is pinned at full scale (0.999 ≈ −0.009 dBFS). Integer PCM clips at
     * 32767/32768 ≈ 0.99997; a sine merely peaking a little under full scale stays below.
     */
    fullScale: z.number().gt(0).max(1).default(0.999),
    /** Consecutive samples that make a run, pinned or on a plateau; a lone peak is not clipping. */
    minRun: z.number().int().min(2).default(3),
    /**
     * A plateau only counts when its ceiling reaches this (0.85 ≈ −1.4 dBFS): lossy codecs settle clipped tops
     * anywhere from about 0.95 to 1.05, while a deliberately flat-topped signal well below full scale is not
     * clipping.
     */
    minPeak: z.number().gt(0).max(1).default(0.85),
    /** Samples within this fraction below a ceiling sit on its plateau. */
    plateauBand: z.number().gt(0).lt(1).default(0.1),
    /** Share of a window on plateaus that makes it clipped: a sine has ≈ 0.29, a clipped tone 0.7–0.95. */
    minPlateauShare: z.number().gt(0).max(1).default(0.5),
    /** Analysis window in seconds; it holds a whole cycle of anything from 25 Hz up. */
    window: z.number().min(0.005).max(1).default(0.04),
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
  start: number;
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
  let windowFrames = 0;
  let pending = new Float32Array(0);
  let pendingFrames = 0;
  let pendingTime = 0;
  let runs: RunState[] = [];
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

  const onClipEvent = (finding: ClipFinding): DetectorEvent[] => {
    const events = stretch && finding.start - stretch.lastEnd > o.mergeGap ? endStretch() : [];
    stretch ??= {
      start: finding.start,
      lastEnd: finding.end,
      events: 0,
      clippedSamples: 0,
      peak: 0,
      opened: false,
    };
    // Findings of one window arrive together, so one may start a little before the stretch it joins.
    if (!stretch.opened) stretch.start = Math.min(stretch.start, finding.start);
    stretch.events++;
    stretch.clippedSamples += finding.samples;
    stretch.lastEnd = Math.max(stretch.lastEnd, finding.end);
    stretch.peak = Math.max(stretch.peak, finding.peak);
    if (!stretch.opened && qualifies(stretch)) {
      stretch.opened = true;
      events.push({ kind: "open", defect: defectFor(stretch) });
    }
    return events;
  };

  /** Checks the buffered window in every channel and turns what it finds into clip events, in time order. */
  const analysePending = (): DetectorEvent[] => {
    if (pendingFrames === 0) return [];
    const findings: ClipFinding[] = [];
    // A short tail of a few samples cannot show a waveform's shape; only pinned runs count there.
    const shapeVisible = pendingFrames * 2 >= windowFrames;
    for (let channel = 0; channel < channels; channel++) {
      const view = {
        samples: pending,
        channels,
        channel,
        frames: pendingFrames,
        time: pendingTime,
        sampleRate,
      };
      // Runs are always followed, so one crossing into the next window keeps its true length.
      const pinned = findFullScaleRuns(view, runs[channel] as RunState, o);
      const plateau = shapeVisible ? findPlateaus(view, o) : undefined;
      // A plateau window already covers its pinned runs (lossy overshoot pins many short ones): count it once.
      if (plateau) findings.push(plateau);
      else findings.push(...pinned);
    }
    pendingFrames = 0;
    findings.sort((a, b) => a.start - b.start);
    return findings.flatMap(onClipEvent);
  };

  const resetFormat = (chunk: AudioChunk): DetectorEvent[] => {
    const events = analysePending();
    sampleRate = chunk.sampleRate;
    channels = chunk.channels;
    windowFrames = Math.max(1, Math.round(o.window * sampleRate));
    pending = new Float32Array(windowFrames * channels);
    runs = Array.from({ length: channels }, newRunState);
    return events;
  };

  return {
    type: "clipping",
    input: "audio",
    push(chunk: AudioChunk): DetectorEvent[] {
      const events = chunk.sampleRate !== sampleRate || chunk.channels !== channels ? resetFormat(chunk) : [];
      const frames = Math.floor(chunk.samples.length / channels);
      let f = 0;
      while (f < frames) {
        if (pendingFrames === 0) pendingTime = chunk.time + f / sampleRate;
        const take = Math.min(frames - f, windowFrames - pendingFrames);
        pending.set(chunk.samples.subarray(f * channels, (f + take) * channels), pendingFrames * channels);
        pendingFrames += take;
        f += take;
        if (pendingFrames === windowFrames) events.push(...analysePending());
      }
      const unanalysedFrom = pendingFrames > 0 ? pendingTime : chunk.time + frames / sampleRate;
      // Close promptly once the gap is certain, so live streams see the end without waiting for the next event.
      if (stretch && unanalysedFrom - stretch.lastEnd > o.mergeGap) events.push(...endStretch());
      return events;
    },
    flush(_endTime: number): DetectorEvent[] {
      // A clipped stretch ends at its last clipped sample, not at the end of the stream.
      return [...analysePending(), ...endStretch()];
    },
  };
}
