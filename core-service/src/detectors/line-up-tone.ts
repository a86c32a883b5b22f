/**
 * Line-up tone on air (a `test-signal` defect): a steady 1 kHz sine at line-up level (−18 dBFS in EBU R68
 * practice, −20 dBFS in SMPTE RP155) where programme should be.
 *
 * Audio is cut into short windows; in each, every channel is either silent or fitted with one sine
 * (sine-fit.ts). A window is tone when at least one channel is a pure sine near the line-up frequency and level
 * and every other channel is the same or silent (a tone on one leg of a pair, or the interrupted left leg of an
 * EBU stereo line-up). Programme is never that pure: a tone under programme, music, speech and the corpus'
 * two-partial test tone all leave far more than the residual allowed. A pure sine measures a flatness near 0.02
 * in ffmpeg's aspectralstats (pink noise 0.69); here it leaves a residual of −40 dB or less after AAC coding.
 */
import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { type AudioWindow, AudioWindows } from "./audio-windows.ts";
import { channelList } from "./channel-sets.ts";
import { IntervalTracker, toDetectorEvents } from "./interval-tracker.ts";
import { fitSine } from "./sine-fit.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";
import { amplitudeDb, dbToPower, powerDb, round } from "./units.ts";

export const LineUpToneOptions = z
  .object({
    /** Seconds of tone before it is reported; 5 s, so a short ident or a beep sequence is not. */
    minDuration: z.number().positive().default(5),
    /** Line-up frequency in Hz (1 kHz; 997 Hz generators are within the default tolerance). */
    toneFrequency: z.number().positive().default(1000),
    /** Hz either side of `toneFrequency` that still count. */
    toneFrequencyTolerance: z.number().positive().default(30),
    /** Quietest tone (peak level, dBFS) that counts: below −20 with a margin for level errors. */
    toneMinLevelDb: z.number().max(0).default(-24),
    /** Loudest tone (dBFS) that counts: above −18 with a margin (some chains line up at −12). */
    toneMaxLevelDb: z.number().max(0).default(-12),
    /** Energy a window may carry besides the sine, relative to it, in dB: −30 = 0.1 %. */
    toneMaxResidualDb: z.number().max(0).default(-30),
    /** A channel quieter than this (RMS, dBFS) is silent: it may accompany a tone on the others. */
    toneSilenceFloorDb: z.number().max(0).default(-60),
    /** Analysis window in seconds: 100 cycles of 1 kHz, and onsets placed within 0.1 s. */
    toneWindow: z.number().min(0.02).max(1).default(0.1),
    /** A test signal lasting this long is critical rather than major. */
    criticalDuration: z.number().positive().default(60),
  })
  .strict();
export type LineUpToneOptions = z.input<typeof LineUpToneOptions>;

/** Windows of something else that end a tone: an EBU stereo line-up's 250 ms breaks in one leg do not. */
const BREAK_WINDOWS = 3;

interface ToneRun {
  windows: number;
  frequencySum: number;
  levelSum: number;
  worstResidualDb: number;
  channels: Set<number>;
  names: readonly string[];
}

interface ToneWindow {
  readonly frequency: number;
  readonly levelDb: number;
  readonly residualDb: number;
  readonly channels: readonly number[];
}

export function createLineUpToneDetector(options: LineUpToneOptions = {}): AudioDetector {
  const o = LineUpToneOptions.parse(options);
  const tracker = new IntervalTracker({ minDuration: o.minDuration, endAfter: BREAK_WINDOWS });
  const silentBelow = dbToPower(o.toneSilenceFloorDb);
  let run: ToneRun | undefined;

  const describe = (start: number, end?: number): Defect => {
    const r = run as ToneRun;
    const duration = (end ?? start) - start;
    return {
      type: "test-signal",
      start,
      severity: duration >= o.criticalDuration ? "critical" : "major",
      // A purer sine is a surer call: a residual at the limit gives 0.75, 10 dB under it or better 1.
      confidence: round(Math.min(1, 0.75 + (o.toneMaxResidualDb - r.worstResidualDb) / 40), 2),
      metrics: {
        signal: "line-up-tone",
        channels: channelList(r.channels, r.names),
        frequencyHz: round(r.frequencySum / r.windows, 1),
        levelDb: round(r.levelSum / r.windows, 1),
        residualDb: round(r.worstResidualDb, 1),
        ...(end !== undefined && { duration: round(duration, 3) }),
      },
    };
  };

  const classify = (w: AudioWindow): ToneWindow | undefined => {
    const tones: { channel: number; frequency: number; levelDb: number; residualDb: number }[] = [];
    for (let channel = 0; channel < w.channels; channel++) {
      const fit = fitSine(w.samples, channel, w.channels, 0, w.frames, w.sampleRate);
      if (!fit || fit.meanSquare < silentBelow) continue;
      const levelDb = amplitudeDb(fit.amplitude);
      const residualDb = powerDb(fit.residualRatio);
      const isTone =
        Math.abs(fit.frequency - o.toneFrequency) <= o.toneFrequencyTolerance &&
        levelDb >= o.toneMinLevelDb &&
        levelDb <= o.toneMaxLevelDb &&
        residualDb <= o.toneMaxResidualDb;
      if (!isTone) return undefined;
      tones.push({ channel, frequency: fit.frequency, levelDb, residualDb });
    }
    if (tones.length === 0) return undefined;
    const mean = (pick: (t: (typeof tones)[number]) => number) =>
      tones.reduce((sum, t) => sum + pick(t), 0) / tones.length;
    return {
      frequency: mean((t) => t.frequency),
      levelDb: Math.max(...tones.map((t) => t.levelDb)),
      residualDb: Math.max(...tones.map((t) => t.residualDb)),
      channels: tones.map((t) => t.channel),
    };
  };

  const onWindow = (w: AudioWindow): DetectorEvent[] => {
    const tone = classify(w);
    if (tone && tracker.phase === "idle")
      run = {
        windows: 0,
        frequencySum: 0,
        levelSum: 0,
        worstResidualDb: -200,
        channels: new Set(),
        names: w.channelNames,
      };
    if (tone && run) {
      run.windows++;
      run.frequencySum += tone.frequency;
      run.levelSum += tone.levelDb;
      run.worstResidualDb = Math.max(run.worstResidualDb, tone.residualDb);
      for (const c of tone.channels) run.channels.add(c);
    }
    const transition = tone ? tracker.update(true, w.end, w.time) : tracker.update(false, w.time);
    return toDetectorEvents(transition, describe);
  };

  const windows = new AudioWindows(o.toneWindow, onWindow);
  return {
    type: "test-signal",
    input: "audio",
    push: (chunk: AudioChunk) => windows.push(chunk),
    flush(endTime: number): DetectorEvent[] {
      const events = windows.flush();
      return [...events, ...toDetectorEvents(tracker.finish(endTime), describe)];
    },
  };
}
