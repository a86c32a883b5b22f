/**
 * Phase: a stereo pair (FL/FR, or a surround pair SL/SR, BL/BR) in anti-phase, so a mono downmix cancels:
 * the pair's correlation over a sliding `window` (1 s) at or below `threshold` (−0.5) for `minDuration`.
 * A window where either leg is quieter than `floorDb` is not anti-phase (phase means nothing in silence, and a
 * silent leg is a `channel-loss`).
 *
 * Sums are kept per 0.1 s block; the 1 s window makes the decision, the blocks place it: a defect starts at the
 * first of the anti-phase blocks that led to it and ends after the last, so onsets and ends are within a block
 * although the window is ten times longer. Identical legs (mono carried as stereo) are not a defect; the
 * summary says whether the main pair was mono throughout (`monoInStereo`) and gives its overall correlation,
 * as ffmpeg's aphasemeter would.
 */
import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { type AudioWindow, AudioWindows } from "./audio-windows.ts";
import { channelList, stereoPairs } from "./channel-sets.ts";
import { IntervalTracker, toDetectorEvents } from "./interval-tracker.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";
import { dbToPower, powerDb, round } from "./units.ts";

export const PhaseOptions = z
  .object({
    /** Correlation at or below which a pair is in anti-phase (−1 = one leg the other's inverse). */
    threshold: z.number().min(-1).max(0).default(-0.5),
    /** Seconds over which correlation is measured. */
    window: z.number().min(0.2).max(10).default(1),
    /** Seconds the anti-phase must last: 3 s, longer than the out-of-phase moments of wide stereo effects. */
    minDuration: z.number().positive().default(3),
    /** Either leg quieter than this (RMS, dBFS) over a window: no phase judgement there. */
    floorDb: z.number().max(0).default(-50),
  })
  .strict();
export type PhaseOptions = z.input<typeof PhaseOptions>;

const BLOCK_SECONDS = 0.1;
/** Blocks this correlated and this close in level are the same signal twice (mono in stereo). */
const MONO_CORRELATION = 0.999;
const MONO_LEVEL_DIFFERENCE_DB = 0.5;
/** Share of a pair's audible blocks that must be mono for the track to count as mono in stereo. */
const MONO_SHARE = 0.95;

interface Sums {
  ll: number;
  rr: number;
  lr: number;
  frames: number;
}

interface Block extends Readonly<Sums> {
  readonly start: number;
  readonly end: number;
  readonly anti: boolean;
}

interface PairState {
  readonly left: number;
  readonly right: number;
  readonly tracker: IntervalTracker;
  readonly blocks: Block[];
  /** Sums over the anti-phase blocks of the interval being tracked. */
  interval: Sums;
  lastAntiEnd: number;
  names: readonly string[];
}

export function createPhaseDetector(options: PhaseOptions = {}): AudioDetector {
  const o = PhaseOptions.parse(options);
  const floor = dbToPower(o.floorDb);
  const blocksPerWindow = Math.max(1, Math.round(o.window / BLOCK_SECONDS));
  let pairs: PairState[] = [];
  let format = "";
  const main = { ll: 0, rr: 0, lr: 0, audible: 0, mono: 0 };

  const describe =
    (pair: PairState) =>
    (start: number, end?: number): Defect => {
      const { ll, rr, lr } = pair.interval;
      const correlation = ll > 0 && rr > 0 ? lr / Math.sqrt(ll * rr) : -1;
      return {
        type: "phase",
        start,
        severity: correlation <= -0.9 ? "critical" : "major",
        confidence: round(Math.min(1, 0.5 + (0.5 * (o.threshold - correlation)) / (1 + o.threshold)), 2),
        metrics: {
          correlation: round(correlation, 3),
          downmixGainDb: round(powerDb(Math.max(0, ll + rr + 2 * lr) / Math.max(1e-30, ll + rr)), 1),
          channels: channelList([pair.left, pair.right], pair.names),
          ...(end !== undefined && { duration: round(end - start, 3) }),
        },
      };
    };

  const onBlock = (pair: PairState, block: Block): DetectorEvent[] => {
    pair.blocks.push(block);
    if (pair.blocks.length > blocksPerWindow) pair.blocks.shift();
    if (block.anti) {
      pair.lastAntiEnd = block.end;
      if (pair.tracker.phase !== "idle") addTo(pair.interval, block);
    }
    const window = sums(pair.blocks);
    const audible = window.ll / window.frames >= floor && window.rr / window.frames >= floor;
    if (audible && window.lr / Math.sqrt(window.ll * window.rr) <= o.threshold) {
      const run = trailingAntiRun(pair.blocks);
      if (pair.tracker.phase === "idle") pair.interval = sums(run);
      const onset = run[0]?.start ?? block.start;
      return toDetectorEvents(pair.tracker.update(true, block.end, onset), describe(pair));
    }
    // In phase again, or too quiet to tell: the anti-phase ended with its last anti-phase block.
    return toDetectorEvents(pair.tracker.update(false, pair.lastAntiEnd), describe(pair));
  };

  const finishPairs = (): DetectorEvent[] =>
    // Anti-phase that ran into silence ended with its last anti-phase block, not where the audio ended.
    pairs.flatMap((pair) => toDetectorEvents(pair.tracker.finish(pair.lastAntiEnd), describe(pair)));

  const onWindow = (w: AudioWindow): DetectorEvent[] => {
    const events: DetectorEvent[] = [];
    const key = `${w.channels}:${w.channelNames.join(",")}`;
    if (key !== format) {
      events.push(...finishPairs());
      format = key;
      pairs = stereoPairs(w.channelNames, w.channels).map(([left, right]) => ({
        left,
        right,
        tracker: new IntervalTracker({ minDuration: o.minDuration, endAfter: 1 }),
        blocks: [],
        interval: { ll: 0, rr: 0, lr: 0, frames: 0 },
        lastAntiEnd: 0,
        names: w.channelNames,
      }));
    }
    pairs.forEach((pair, index) => {
      const { ll, rr, lr } = pairSums(w, pair.left, pair.right);
      const audible = ll / w.frames >= floor && rr / w.frames >= floor;
      const correlation = audible ? lr / Math.sqrt(ll * rr) : 0;
      if (index === 0 && audible) countMain(ll, rr, lr, correlation);
      const anti = audible && correlation <= o.threshold;
      events.push(...onBlock(pair, { start: w.time, end: w.end, frames: w.frames, ll, rr, lr, anti }));
    });
    return events;
  };

  const countMain = (ll: number, rr: number, lr: number, correlation: number) => {
    main.ll += ll;
    main.rr += rr;
    main.lr += lr;
    main.audible++;
    if (correlation >= MONO_CORRELATION && Math.abs(powerDb(ll / rr)) <= MONO_LEVEL_DIFFERENCE_DB)
      main.mono++;
  };

  const windows = new AudioWindows(BLOCK_SECONDS, onWindow);
  return {
    type: "phase",
    input: "audio",
    push: (chunk: AudioChunk) => windows.push(chunk),
    flush(_endTime: number): DetectorEvent[] {
      return [...windows.flush(), ...finishPairs()];
    },
    summary() {
      if (main.audible === 0) return { phaseCorrelation: null, monoInStereo: null };
      return {
        phaseCorrelation: round(main.lr / Math.sqrt(main.ll * main.rr), 3),
        monoInStereo: main.mono / main.audible >= MONO_SHARE ? 1 : 0,
      };
    },
  };
}

function pairSums(w: AudioWindow, left: number, right: number): { ll: number; rr: number; lr: number } {
  let ll = 0;
  let rr = 0;
  let lr = 0;
  const { samples, channels } = w;
  for (let f = 0; f < w.frames; f++) {
    const l = samples[f * channels + left] as number;
    const r = samples[f * channels + right] as number;
    ll += l * l;
    rr += r * r;
    lr += l * r;
  }
  return { ll, rr, lr };
}

function sums(blocks: readonly Block[]): Sums {
  const total = { ll: 0, rr: 0, lr: 0, frames: 0 };
  for (const b of blocks) addTo(total, b);
  return total;
}

function addTo(total: Sums, block: Block): void {
  total.ll += block.ll;
  total.rr += block.rr;
  total.lr += block.lr;
  total.frames += block.frames;
}

/** The anti-phase blocks at the end of the window, oldest first. */
function trailingAntiRun(blocks: readonly Block[]): Block[] {
  let first = blocks.length;
  while (first > 0 && (blocks[first - 1] as Block).anti) first--;
  return blocks.slice(first);
}
