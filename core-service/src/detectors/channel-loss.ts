/**
 * Channel loss: one or more channels of a track silent for at least `minDuration` while another channel of the
 * same track carries programme (a broken leg of a stereo pair, a dead surround feed). A track silent in every
 * channel is `silence` (silence.ts), never this.
 *
 * Each channel's short-window RMS is compared with the silence floor, as the silence detector does per track
 * (and ffmpeg's `silencedetect=mono=1` per channel). A run of silent windows is a loss once it has lasted
 * `minDuration` and the loudest other channel's level over the run reaches `programmeDb`; channels whose runs
 * began together (within two windows) are one defect, which ends when the last of them comes back. Every
 * channel silent for a second is the track's silence: losses end where it began, and runs start again when
 * programme resumes, so a programme is never judged on the silence before it.
 */
import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { type AudioWindow, AudioWindows } from "./audio-windows.ts";
import { channelList } from "./channel-sets.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "./types.ts";
import { dbToPower, powerDb, round } from "./units.ts";

export const ChannelLossOptions = z
  .object({
    /** RMS level (dBFS) under which a channel is silent; −60 as the silence detector. */
    floorDb: z.number().max(0).default(-60),
    /** Level (RMS over the loss, dBFS) another channel must reach for the track to carry programme. */
    programmeDb: z.number().max(0).default(-45),
    /** Seconds a channel must stay silent: 5 s, longer than the pauses of a hard-panned voice or effect. */
    minDuration: z.number().positive().default(5),
    /** RMS window in seconds: onsets and ends within 0.05 s. */
    window: z.number().min(0.005).max(0.5).default(0.05),
    /** A loss lasting this long is critical rather than major. */
    criticalDuration: z.number().positive().default(30),
    /**
     * Channels never reported (layout names): LFE by default, silent in much 5.1 programme by design. They
     * still count when telling a channel loss from the track's silence.
     */
    ignoreChannels: z.array(z.string().min(1)).default(["LFE"]),
  })
  .strict();
export type ChannelLossOptions = z.input<typeof ChannelLossOptions>;

/** Every channel silent for this long is a silence of the track. */
const TRACK_SILENCE_SECONDS = 1;
/** Times are sums of doubles; this keeps an exactly-minDuration loss from missing by 1e-16. */
const EPSILON = 1e-9;

interface SilentRun {
  readonly start: number;
  /** Loudest window of this channel inside the run (mean square). */
  loudest: number;
  /** Every channel's cumulative energy, and the frames counted, when the run started. */
  readonly energyAtStart: Float64Array;
  readonly framesAtStart: number;
  loss: Loss | undefined;
}

interface Loss {
  readonly start: number;
  readonly channels: readonly number[];
  readonly names: readonly string[];
  readonly programmeDb: number;
  readonly loudest: number;
}

export function createChannelLossDetector(options: ChannelLossOptions = {}): AudioDetector {
  const o = ChannelLossOptions.parse(options);
  const floor = dbToPower(o.floorDb);
  const programme = dbToPower(o.programmeDb);
  let watched: boolean[] = [];
  let runs: (SilentRun | undefined)[] = [];
  let energy = new Float64Array(0);
  let frames = 0;
  let allSilentSince: number | undefined;

  const describe = (loss: Loss, end?: number): Defect => {
    const loudestDb = powerDb(loss.loudest);
    const duration = end === undefined ? undefined : end - loss.start;
    return {
      type: "channel-loss",
      start: loss.start,
      severity: (duration ?? 0) >= o.criticalDuration ? "critical" : "major",
      // Well under the floor is a dead channel; just under it could be a very quiet one.
      confidence: round(Math.min(1, 0.5 + (o.floorDb - loudestDb) / 20), 2),
      metrics: {
        channels: channelList(loss.channels, loss.names),
        loudestLevelDb: round(loudestDb, 1),
        programmeLevelDb: round(loss.programmeDb, 1),
        ...(duration !== undefined && { duration: round(duration, 3) }),
      },
    };
  };

  /** Ends channel `c`'s run at `at`; the loss it belonged to closes when none of its channels is still out. */
  const endRun = (c: number, at: number): DetectorEvent[] => {
    const loss = runs[c]?.loss;
    runs[c] = undefined;
    if (!loss || runs.some((r) => r?.loss === loss)) return [];
    return [{ kind: "close", defect: { ...describe(loss, at), end: at } }];
  };

  const endAll = (at: number): DetectorEvent[] => runs.flatMap((_, c) => endRun(c, at));

  /** Mean square since the run began of the loudest channel other than `c`. */
  const othersLevel = (run: SilentRun, c: number): number => {
    const span = frames - run.framesAtStart;
    let loudest = 0;
    for (let other = 0; other < energy.length && span > 0; other++) {
      if (other === c) continue;
      loudest = Math.max(loudest, ((energy[other] as number) - (run.energyAtStart[other] as number)) / span);
    }
    return loudest;
  };

  /**
   * Opens a loss for each run that has lasted long enough under programme, with the runs of the other channels
   * that fell silent with it (within two windows), whether or not they have lasted quite as long yet.
   */
  const openLosses = (w: AudioWindow): DetectorEvent[] => {
    const events: DetectorEvent[] = [];
    runs.forEach((run, channel) => {
      if (!run || run.loss || w.end - run.start < o.minDuration - EPSILON) return;
      const level = othersLevel(run, channel);
      if (level < programme) return;
      const together = runs.flatMap((r, c) =>
        r && !r.loss && Math.abs(r.start - run.start) <= 2 * o.window ? [{ run: r, channel: c }] : [],
      );
      const loss: Loss = {
        start: Math.min(...together.map((r) => r.run.start)),
        channels: together.map((r) => r.channel),
        names: w.channelNames,
        programmeDb: powerDb(level),
        loudest: Math.max(...together.map((r) => r.run.loudest)),
      };
      for (const r of together) r.run.loss = loss;
      events.push({ kind: "open", defect: describe(loss) });
    });
    return events;
  };

  const onWindow = (w: AudioWindow): DetectorEvent[] => {
    const events: DetectorEvent[] = [];
    if (energy.length !== w.channels) {
      events.push(...endAll(w.time));
      watched = Array.from(
        { length: w.channels },
        (_, c) => !o.ignoreChannels.includes(w.channelNames[c] ?? ""),
      );
      runs = Array.from({ length: w.channels }, () => undefined);
      energy = new Float64Array(w.channels);
    }
    const levels = windowMeanSquares(w);
    const allSilent = levels.every((m) => m < floor);
    if (allSilent) allSilentSince ??= w.time;
    else allSilentSince = undefined;
    const trackSilent = allSilentSince !== undefined && w.end - allSilentSince >= TRACK_SILENCE_SECONDS;
    if (trackSilent) events.push(...endAll(allSilentSince as number));
    for (let c = 0; c < w.channels; c++) {
      const level = levels[c] as number;
      const run = runs[c];
      if (level >= floor) events.push(...endRun(c, w.time));
      else if (run) run.loudest = Math.max(run.loudest, level);
      else if (watched[c] && !trackSilent)
        // Taken before this window's energy is added: the run includes the window.
        runs[c] = {
          start: w.time,
          loudest: level,
          energyAtStart: energy.slice(),
          framesAtStart: frames,
          loss: undefined,
        };
    }
    for (let c = 0; c < w.channels; c++) energy[c] = (energy[c] as number) + (levels[c] as number) * w.frames;
    frames += w.frames;
    events.push(...openLosses(w));
    return events;
  };

  const windows = new AudioWindows(o.window, onWindow);
  return {
    type: "channel-loss",
    input: "audio",
    push: (chunk: AudioChunk) => windows.push(chunk),
    flush(endTime: number): DetectorEvent[] {
      const events = windows.flush();
      // A loss that ran into the track's silence ended where the silence began.
      return [...events, ...endAll(allSilentSince ?? endTime)];
    },
  };
}

function windowMeanSquares(w: AudioWindow): Float64Array {
  const { samples, channels, frames } = w;
  const means = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = c; i < frames * channels; i += channels) {
      const x = samples[i] as number;
      sum += x * x;
    }
    means[c] = sum / Math.max(1, frames);
  }
  return means;
}
