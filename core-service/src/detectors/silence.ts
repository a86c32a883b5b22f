/**
 * Silence detector: every channel's short-window RMS below a floor for at least `minDuration`.
 *
 * RMS over a short window (rather than ffmpeg silencedetect's per-sample amplitude) is what makes the
 * decision robust to lossy codecs, which turn digital silence into a faint noise that a per-sample test
 * sees as scattered "loud" samples. On digital silence the two agree to within one window.
 */
import { z } from "zod";
import type { Severity } from "../domain/defect.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";
import { powerDb, round } from "./units.ts";

export const SilenceOptions = z
  .object({
    /** Level in dBFS (RMS per channel) under which a channel is silent; −60 as in ffmpeg silencedetect. */
    floorDb: z.number().max(0).default(-60),
    /** Seconds all channels must stay silent; 2 s, so pauses in speech (under ~1.5 s) are not silence. */
    minDuration: z.number().positive().default(2),
    /** RMS window in seconds: short enough to place edges within ~0.02 s, long enough to average noise. */
    window: z.number().min(0.005).max(0.2).default(0.02),
    /** Silence lasting this many seconds is critical rather than major. */
    criticalDuration: z.number().positive().default(10),
  })
  .strict();
export type SilenceOptions = z.input<typeof SilenceOptions>;

/** Times are sums of doubles; this keeps an exactly-minDuration silence from missing by 1e-16. */
const EPSILON = 1e-9;

interface SilentRun {
  readonly start: number;
  /** Loudest channel-window RMS inside the run, as mean square. */
  loudestMeanSquare: number;
  opened: boolean;
}

export function createSilenceDetector(options: SilenceOptions = {}): AudioDetector {
  const o = SilenceOptions.parse(options);
  const floorMeanSquare = 10 ** (o.floorDb / 10);
  let windowFrames = 0;
  let sumsOfSquares = new Float64Array(0);
  let filled = 0;
  let windowStart = 0;
  let run: SilentRun | undefined;

  const defectFor = (r: SilentRun, duration: number) => {
    const loudestDb = powerDb(r.loudestMeanSquare);
    const severity: Severity = duration >= o.criticalDuration ? "critical" : "major";
    return {
      type: "silence" as const,
      start: r.start,
      severity,
      // Well below the floor is unambiguous; a level hovering just under it could be a very quiet passage.
      confidence: round(Math.min(1, 0.5 + (o.floorDb - loudestDb) / 20), 2),
      metrics: { duration: round(duration, 3), loudestLevelDb: round(loudestDb, 2), floorDb: o.floorDb },
    };
  };

  const endRun = (end: number): DetectorEvent[] => {
    const r = run;
    run = undefined;
    if (!r || (!r.opened && end - r.start < o.minDuration - EPSILON)) return [];
    return [{ kind: "close", defect: { ...defectFor(r, end - r.start), end } }];
  };

  const completeWindow = (end: number): DetectorEvent[] => {
    let loudest = 0;
    for (const sum of sumsOfSquares) loudest = Math.max(loudest, sum / filled);
    sumsOfSquares.fill(0);
    filled = 0;
    if (loudest >= floorMeanSquare) return endRun(windowStart);
    run ??= { start: windowStart, loudestMeanSquare: 0, opened: false };
    run.loudestMeanSquare = Math.max(run.loudestMeanSquare, loudest);
    if (run.opened || end - run.start < o.minDuration - EPSILON) return [];
    run.opened = true;
    return [{ kind: "open", defect: defectFor(run, end - run.start) }];
  };

  return {
    type: "silence",
    input: "audio",
    push(chunk: AudioChunk): DetectorEvent[] {
      const { channels, sampleRate, samples } = chunk;
      if (
        sumsOfSquares.length !== channels ||
        windowFrames !== Math.max(1, Math.round(o.window * sampleRate))
      ) {
        windowFrames = Math.max(1, Math.round(o.window * sampleRate));
        sumsOfSquares = new Float64Array(channels);
        filled = 0;
      }
      const frames = Math.floor(samples.length / channels);
      const events: DetectorEvent[] = [];
      let offset = 0;
      while (offset < frames) {
        if (filled === 0) windowStart = chunk.time + offset / sampleRate;
        const take = Math.min(frames - offset, windowFrames - filled);
        for (let c = 0; c < channels; c++) {
          sumsOfSquares[c] =
            (sumsOfSquares[c] as number) + sumOfSquares(samples, c, channels, offset, offset + take);
        }
        filled += take;
        offset += take;
        if (filled === windowFrames) events.push(...completeWindow(windowStart + windowFrames / sampleRate));
      }
      return events;
    },
    flush(endTime: number): DetectorEvent[] {
      const events = filled > 0 ? completeWindow(endTime) : [];
      return [...events, ...endRun(endTime)];
    },
  };
}

function sumOfSquares(
  samples: Float32Array,
  channel: number,
  channels: number,
  from: number,
  to: number,
): number {
  let sum = 0;
  const end = to * channels + channel;
  for (let i = from * channels + channel; i < end; i += channels) {
    const x = samples[i] as number;
    sum += x * x;
  }
  return sum;
}
