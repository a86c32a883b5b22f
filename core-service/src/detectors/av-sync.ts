/**
 * A/V sync (`av-sync`): sound and picture out of step, found three ways, each saying which in `metrics.method`.
 *
 * - `test-signal`: with a flash/beep sync signal on air (a white flash and a short tone once a second, as in
 *   BBC and EBU Tech 3305-style sequences), each beep is timed against its flash to the millisecond
 *   (flash-finder.ts, beep-finder.ts, sync-signal.ts); offsets beyond the tolerance for `minDuration` are a
 *   defect with `metrics.offsetMs`, positive = audio late. The default tolerance is ITU-R BT.1359's
 *   acceptability (audio up to 90 ms early, 185 ms late); EBU R37 would be `audioEarlyMs` 40, `audioLateMs` 60.
 * - `timestamps` (live streams): audio and video timestamps drifting apart against each other and against
 *   arrival time, as an encoder with a slipping audio clock makes them (clock-drift.ts), for 2 × `driftWindow`.
 * - `durations` (files): audio and video that do not last as long, audio shorter by more than two frames or
 *   longer by more than two seconds (the usual QC limits; lossy audio ends a frame or so late anyway). The defect
 *   covers the stretch one stream leaves uncovered; `metrics` give both durations and their difference.
 *
 * Without a test signal and without a timestamp fault nothing is raised: there is no weight-free way to judge
 * lip sync on arbitrary content, and this does not pretend to one.
 */
import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { BeepFinder } from "./beep-finder.ts";
import { ClockDrift } from "./clock-drift.ts";
import { FlashFinder } from "./flash-finder.ts";
import { SyncSignal } from "./sync-signal.ts";
import type {
  AudioChunk,
  AudioVideoDetector,
  DetectorEvent,
  LumaFrame,
  PacketArrival,
  StreamExtents,
} from "./types.ts";
import { round } from "./units.ts";

export const AvSyncOptions = z
  .object({
    /** Milliseconds audio may lead the picture (ITU-R BT.1359 acceptability: 90). */
    audioEarlyMs: z.number().min(0).default(90),
    /** Milliseconds audio may lag the picture (ITU-R BT.1359 acceptability: 185). */
    audioLateMs: z.number().min(0).default(185),
    /** Seconds a test signal's offsets must stay beyond the tolerance: three pairs of a once-a-second signal. */
    minDuration: z.number().positive().default(2),
    /** A flash raises the picture's mean luma by at least this share of the range (white on black ≈ 1). */
    flashMinRise: z.number().gt(0).max(1).default(0.3),
    /** Longest flash, in seconds; a brighter picture that stays is a cut, not a flash. */
    flashMaxDuration: z.number().positive().default(0.2),
    /** Shortest and longest beep, in seconds. */
    beepMinDuration: z.number().positive().default(0.02),
    beepMaxDuration: z.number().positive().default(0.5),
    /** Lowest and highest beep frequency, Hz (test signals beep at 1 kHz, some at 440 Hz or 2 kHz). */
    beepMinFrequency: z.number().positive().default(200),
    beepMaxFrequency: z.number().positive().default(8000),
    /** Milliseconds either side of a flash its beep is looked for: half the signal's period, the most measurable. */
    pairWindowMs: z.number().positive().default(500),
    /** Seconds without a flash/beep pair after which the signal has stopped. */
    maxPairGap: z.number().positive().default(5),
    /**
     * Live streams: seconds of arrivals over which each stream's least lateness is taken (jitter and bursts
     * cancel out). A drift must last twice as long: one packet sent early (a sender's burst, as a looping
     * playout sends at each loop) holds its kind's least lateness down for a whole window.
     */
    driftWindow: z.number().positive().default(10),
    /**
     * Live streams: the least drift of the clocks that counts, ms, either way (with the tolerance above when that
     * is wider). How packets reach us shifts each kind's least lateness a little without any clock slipping: on
     * a machine running past its capacity, healthy streams drifted by up to 190 ms (`npm run bench -- live`). A
     * slipping clock drifts without bound, so this floor only delays it: a 0.1 % slip passes 400 ms in 7 minutes.
     */
    driftToleranceMs: z.number().min(0).default(400),
    /** Files: audio shorter than the video by more than this many frames is a fault. */
    maxShortFrames: z.number().min(0).default(2),
    /** Files: audio longer than the video by more than this many seconds is a fault. */
    maxLongSeconds: z.number().min(0).default(2),
  })
  .strict()
  .refine((o) => o.beepMinDuration < o.beepMaxDuration, {
    message: "beepMinDuration must be less than beepMaxDuration",
    path: ["beepMinDuration"],
  })
  .refine((o) => o.beepMinFrequency < o.beepMaxFrequency, {
    message: "beepMinFrequency must be less than beepMaxFrequency",
    path: ["beepMinFrequency"],
  });
export type AvSyncOptions = z.input<typeof AvSyncOptions>;

export function createAvSyncDetector(options: AvSyncOptions = {}): AudioVideoDetector {
  const o = AvSyncOptions.parse(options);
  const tolerance = { audioEarlyMs: o.audioEarlyMs, audioLateMs: o.audioLateMs };
  const flashes = new FlashFinder({ minRise: o.flashMinRise, maxDuration: o.flashMaxDuration });
  const beeps = new BeepFinder({
    minDuration: o.beepMinDuration,
    maxDuration: o.beepMaxDuration,
    minFrequency: o.beepMinFrequency,
    maxFrequency: o.beepMaxFrequency,
  });
  const signal = new SyncSignal({
    ...tolerance,
    minDuration: o.minDuration,
    pairWindow: o.pairWindowMs / 1000,
    maxPairGap: o.maxPairGap,
  });
  const drift = new ClockDrift({
    audioEarlyMs: Math.max(o.audioEarlyMs, o.driftToleranceMs),
    audioLateMs: Math.max(o.audioLateMs, o.driftToleranceMs),
    window: o.driftWindow,
    minDuration: 2 * o.driftWindow,
  });
  const advance = () => signal.advance(flashes.settledUntil(), beeps.settledUntil());

  return {
    type: "av-sync",
    input: "audio-video",
    pushPicture(frame: LumaFrame): DetectorEvent[] {
      const flash = flashes.push(frame);
      if (flash !== undefined) signal.addFlash(flash);
      return advance();
    },
    pushAudio(chunk: AudioChunk): DetectorEvent[] {
      for (const beep of beeps.push(chunk)) signal.addBeep(beep);
      return advance();
    },
    pushArrival: (arrival: PacketArrival) => drift.push(arrival),
    pushExtents: (extents: StreamExtents) => durationMismatch(extents, o),
    flush(endTime: number): DetectorEvent[] {
      return [...signal.advance(endTime, endTime), ...signal.finish(endTime), ...drift.finish(endTime)];
    },
  };
}

/** The `durations` check of a decoded file: one `close` covering what the shorter stream leaves uncovered. */
function durationMismatch(
  extents: StreamExtents,
  o: Pick<z.infer<typeof AvSyncOptions>, "maxShortFrames" | "maxLongSeconds">,
): DetectorEvent[] {
  const { video, audio } = extents;
  const videoDuration = video.end - video.start;
  const audioDuration = audio.end - audio.start;
  const difference = audioDuration - videoDuration;
  const short = difference < -o.maxShortFrames * video.frameDuration;
  const long = difference > o.maxLongSeconds;
  if (!short && !long) return [];
  const endsApart = Math.abs(audio.end - video.end) >= Math.abs(audio.start - video.start);
  const [start, end] = endsApart
    ? [Math.min(audio.end, video.end), Math.max(audio.end, video.end)]
    : [Math.min(audio.start, video.start), Math.max(audio.start, video.start)];
  const defect: Defect & { end: number } = {
    type: "av-sync",
    start,
    end,
    severity: "major",
    // Durations are exact once decoded; whether a viewer notices depends on where the difference lies.
    confidence: 0.9,
    metrics: {
      method: "durations",
      audioDuration: round(audioDuration, 3),
      videoDuration: round(videoDuration, 3),
      differenceMs: round(difference * 1000, 1),
    },
  };
  return [{ kind: "close", defect }];
}
