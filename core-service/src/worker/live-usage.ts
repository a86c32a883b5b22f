import type { EscalationCause, LiveProfile, LiveUsage } from "../domain/job.ts";
import type { JobView } from "../domain/job-projection.ts";
import type { LiveStats } from "../live/types.ts";
import { type LiveCpuMeter, startLiveCpuMeter } from "../media/cpu-meter.ts";

/**
 * A live job's usage (profile, escalations, CPU, stream time watched) as its job status and Job Progress events
 * show it: this delivery's figures added to those the job brought from earlier deliveries (`base`).
 */
export class LiveUsageMeter {
  readonly #base: LiveUsage | undefined;
  readonly #cpu: LiveCpuMeter;
  #profile: LiveProfile;
  /** Stream time this delivery's watching is counted from; fixed by the first sample when resumed. */
  #from: number | undefined;
  #streamTime: number | undefined;
  #escalated = false;
  #escalations: { count: number; lastCause?: EscalationCause } = { count: 0 };

  constructor(options: {
    readonly profile: LiveProfile;
    /** The job's usage so far (a hand-off's continuation); absent on its first delivery. */
    readonly base?: LiveUsage | undefined;
    /** Whether this delivery goes on from an earlier one's stream time. */
    readonly resumed: boolean;
    readonly cpu?: LiveCpuMeter;
  }) {
    this.#profile = options.profile;
    this.#base = options.base;
    this.#from = options.resumed ? undefined : 0;
    this.#cpu = options.cpu ?? startLiveCpuMeter();
  }

  /** Counts one of the job's ffmpeg processes (LiveOptions.onProcess). */
  readonly track: LiveCpuMeter["track"] = (process) => this.#cpu.track(process);

  /** Takes the engine's latest stats. */
  update(stats: LiveStats): void {
    this.#profile = stats.profile;
    this.#escalated = stats.escalated ?? false;
    // The engine's cause list is the domain's: a cause added there and not here fails to compile.
    const escalations: { count: number; lastCause?: EscalationCause } | undefined = stats.escalations;
    if (escalations) this.#escalations = escalations;
    if (stats.streamTime !== undefined) this.#seen(stats.streamTime);
  }

  /** The last stream time seen, from the engine's summary at the end; nothing is decoded any more. */
  end(lastStreamTime: number | undefined): void {
    if (lastStreamTime !== undefined) this.#seen(lastStreamTime);
    this.#escalated = false;
  }

  /** Ends this job's share of the process's CPU; call once the job no longer runs, however it ended. */
  stop(): void {
    this.#cpu.stop();
  }

  get streamTime(): number | undefined {
    return this.#streamTime;
  }

  usage(): LiveUsage {
    const base = this.#base;
    const watched =
      this.#from === undefined || this.#streamTime === undefined ? 0 : this.#streamTime - this.#from;
    const mediaSeconds = (base?.mediaSeconds ?? 0) + Math.max(0, watched);
    const cpuSeconds = (base?.cpuSeconds ?? 0) + this.#cpu.seconds();
    const lastCause = this.#escalations.lastCause ?? base?.escalations.lastCause;
    return {
      profile: this.#profile,
      escalated: this.#escalated,
      escalations: {
        count: (base?.escalations.count ?? 0) + this.#escalations.count,
        ...(lastCause !== undefined && { lastCause }),
      },
      cpuSeconds: round(cpuSeconds, 3),
      cpuSecondsPerMediaHour: mediaSeconds > 0 ? round((cpuSeconds * 3600) / mediaSeconds, 1) : 0,
      mediaSeconds: round(mediaSeconds, 3),
    };
  }

  #seen(streamTime: number): void {
    // A resumed delivery counts from its first media: the time before it was watched by the previous worker.
    this.#from ??= streamTime;
    this.#streamTime = Math.max(this.#streamTime ?? streamTime, streamTime);
  }
}

/**
 * When a running live job says how it is doing (a Job Progress event): on its first figures, the moment it
 * escalates or returns to economy, and otherwise every `intervalSeconds`. Not at the engine's stats cadence (1 s):
 * on AWS each event is an EventBridge entry and a DynamoDB write, which at 1 s would cost more than the
 * stream-hour's compute (README "Cost").
 */
export class ProgressSchedule {
  readonly #intervalMs: number;
  #lastAt: number | undefined;
  #last: Pick<LiveUsage, "escalated" | "escalations"> | undefined;

  constructor(intervalSeconds: number) {
    this.#intervalMs = intervalSeconds * 1000;
  }

  due(usage: LiveUsage, nowMs = Date.now()): boolean {
    const last = this.#last;
    return (
      last === undefined ||
      this.#lastAt === undefined ||
      usage.escalated !== last.escalated ||
      usage.escalations.count !== last.escalations.count ||
      nowMs - this.#lastAt >= this.#intervalMs
    );
  }

  sent(usage: LiveUsage, nowMs = Date.now()): void {
    this.#lastAt = nowMs;
    this.#last = { escalated: usage.escalated, escalations: usage.escalations };
  }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A job's usage so far as its status shows it, for a delivery that has only the job's events to go on. */
export function usageOfView(view: JobView | undefined): LiveUsage | undefined {
  // A fanned-out job's figures are every group's: this worker does not know which one is its own, so its group
  // starts again from nothing (a limitation of redeliveries after a crash; hand-offs carry their usage exactly).
  if (view?.cpuSeconds === undefined || view.profile === undefined || view.groupUsage) return undefined;
  const perHour = view.cpuSecondsPerMediaHour ?? 0;
  return {
    profile: view.profile,
    escalated: view.escalated ?? false,
    escalations: view.escalations ?? { count: 0 },
    cpuSeconds: view.cpuSeconds,
    cpuSecondsPerMediaHour: perHour,
    mediaSeconds: perHour > 0 ? (view.cpuSeconds * 3600) / perHour : 0,
  };
}
