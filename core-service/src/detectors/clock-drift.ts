/**
 * A/V drift of a live stream from its timestamps alone: an encoder whose audio clock slips stamps its sound
 * ever further ahead of (or behind) the pictures it sends with it, and ever further from the wall clock.
 *
 * For each kind, lateness = arrival (wall) time − stream time. Its minimum over the last `window` seconds is
 * the path's delay without the jitter of bursts (an HLS segment arrives at once; its last packet is the least
 * late): one packet late for any reason cannot move it. Audio running ahead of video by d at arrival makes
 * audio's minimum d smaller than video's. The relation when measuring starts (a full window into a connection)
 * is the baseline; drifting from it beyond the tolerance for `minDuration` is an `av-sync` defect, with
 * `offsetMs` = the drift (positive = sound stamped later than its pictures, so heard late), and each kind's own
 * drift against the wall clock, which says whose clock slipped. A new epoch (a reconnection, a timestamp jump)
 * starts a new baseline: timestamps on either side of it are not comparable.
 */
import type { Defect } from "../domain/defect.ts";
import { IntervalTracker, toDetectorEvents } from "./interval-tracker.ts";
import { describeOffset, type SyncTolerance } from "./sync-signal.ts";
import type { DetectorEvent, PacketArrival } from "./types.ts";
import { round } from "./units.ts";

export interface ClockDriftOptions extends SyncTolerance {
  /** Seconds of wall time over which each kind's least lateness is taken. */
  readonly window: number;
  /** Seconds the drift must stay beyond the tolerance. */
  readonly minDuration: number;
}

interface Sample {
  readonly wallMs: number;
  readonly lateness: number;
}

/** The minimum over a sliding window of wall time, in amortised constant time per sample. */
class SlidingMinimum {
  private readonly samples: Sample[] = [];
  firstWallMs: number | undefined;

  push(sample: Sample, windowMs: number): void {
    this.firstWallMs ??= sample.wallMs;
    while (
      this.samples.length > 0 &&
      (this.samples[this.samples.length - 1] as Sample).lateness >= sample.lateness
    )
      this.samples.pop();
    this.samples.push(sample);
    while ((this.samples[0] as Sample).wallMs < sample.wallMs - windowMs) this.samples.shift();
  }

  get minimum(): number | undefined {
    return this.samples[0]?.lateness;
  }
}

interface Baseline {
  readonly video: number;
  readonly audio: number;
}

interface Extreme {
  offsetMs: number;
  audioDriftMs: number;
  videoDriftMs: number;
}

export class ClockDrift {
  private epoch: number | undefined;
  private video = new SlidingMinimum();
  private audio = new SlidingMinimum();
  private baseline: Baseline | undefined;
  private readonly tracker: IntervalTracker;
  private extreme: Extreme | undefined;
  private lastTime = 0;

  constructor(private readonly options: ClockDriftOptions) {
    this.tracker = new IntervalTracker({ minDuration: options.minDuration, endAfter: 1 });
  }

  push(arrival: PacketArrival): DetectorEvent[] {
    const events = arrival.epoch === this.epoch ? [] : this.restart(arrival.epoch);
    const windowMs = this.options.window * 1000;
    const kind = arrival.kind === "video" ? this.video : this.audio;
    kind.push({ wallMs: arrival.wallMs, lateness: arrival.wallMs / 1000 - arrival.time }, windowMs);
    this.lastTime = Math.max(this.lastTime, arrival.time);
    const video = this.video.minimum;
    const audio = this.audio.minimum;
    const full = (m: SlidingMinimum) =>
      m.firstWallMs !== undefined && arrival.wallMs - m.firstWallMs >= windowMs;
    if (video === undefined || audio === undefined || !full(this.video) || !full(this.audio)) return events;
    this.baseline ??= { video, audio };
    const driftMs = (video - audio - (this.baseline.video - this.baseline.audio)) * 1000;
    const beyond = driftMs > this.options.audioLateMs || driftMs < -this.options.audioEarlyMs;
    if (beyond) {
      const audioDriftMs = (this.baseline.audio - audio) * 1000;
      const videoDriftMs = (this.baseline.video - video) * 1000;
      if (this.tracker.phase === "idle" || !this.extreme)
        this.extreme = { offsetMs: driftMs, audioDriftMs, videoDriftMs };
      if (Math.abs(driftMs) >= Math.abs(this.extreme.offsetMs))
        Object.assign(this.extreme, { offsetMs: driftMs, audioDriftMs, videoDriftMs });
    }
    events.push(
      ...toDetectorEvents(this.tracker.update(beyond, arrival.time), (s, e) => this.describe(s, e)),
    );
    return events;
  }

  finish(endTime: number): DetectorEvent[] {
    return toDetectorEvents(this.tracker.finish(endTime), (s, e) => this.describe(s, e));
  }

  private restart(epoch: number): DetectorEvent[] {
    const events = this.epoch === undefined ? [] : this.finish(this.lastTime);
    this.epoch = epoch;
    this.video = new SlidingMinimum();
    this.audio = new SlidingMinimum();
    this.baseline = undefined;
    return events;
  }

  private describe(start: number, end?: number): Defect {
    const extreme = this.extreme ?? { offsetMs: 0, audioDriftMs: 0, videoDriftMs: 0 };
    // The drift grows while it lasts: the defect carries its largest value, not a median of the way there.
    // Timestamps are exact, but a drift in them is not always heard (a player may resynchronise): 0.8.
    return describeOffset(start, end, extreme.offsetMs, 0.8, this.options, "timestamps", {
      audioClockDriftMs: round(extreme.audioDriftMs, 1),
      videoClockDriftMs: round(extreme.videoDriftMs, 1),
    });
  }
}
