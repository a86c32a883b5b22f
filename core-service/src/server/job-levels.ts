import type { LevelsPoint, LevelsSink } from "../domain/signal-levels.ts";

/** Points kept per job: a minute of a live stream, the span of a tile's sparkline (SPARKLINE_POINTS). */
export const LEVELS_HISTORY = 60;
/** Jobs followed at once; past it the longest-followed is dropped (a worker runs at most 64 jobs). */
const MAX_JOBS = 64;
const FLUSH_MS = 1000;

/** One update of one job's levels, as `GET /v1/levels` sends it. */
export interface LevelsMessage {
  readonly jobId: string;
  /** Media duration of a file job, for progress; absent for live streams and before it is known. */
  readonly duration?: number;
  /** New points since the previous message, oldest first; with `reset`, the job's whole history. */
  readonly points: readonly LevelsPoint[];
  /** The points replace what the reader holds (first message after connecting, or after falling behind). */
  readonly reset?: true;
  /** The job's analysis ended; nothing more will come for it. */
  readonly ended?: true;
}

export type LevelsListener = (message: LevelsMessage) => void;

interface FollowedJob {
  duration: number | undefined;
  history: LevelsPoint[];
  fresh: LevelsPoint[];
}

/**
 * The running jobs' signal levels, for the dashboard's live tiles: workers record a point per media second,
 * readers get the new points of each job once a second (however fast a file is analysed) and a job's last
 * LEVELS_HISTORY points when they connect. Memory is bounded by jobs × history; a job is forgotten when it ends.
 */
export class JobLevels implements LevelsSink {
  readonly #jobs = new Map<string, FollowedJob>();
  readonly #listeners = new Set<LevelsListener>();
  #timer: NodeJS.Timeout | undefined;

  record(jobId: string, point: LevelsPoint, mediaDuration?: number): void {
    let job = this.#jobs.get(jobId);
    if (!job) {
      job = { duration: undefined, history: [], fresh: [] };
      this.#jobs.set(jobId, job);
      this.#forgetBeyondLimit();
    }
    if (mediaDuration !== undefined) job.duration = round(mediaDuration, 3);
    const rounded = roundPoint(point);
    keepLast(job.history, rounded);
    keepLast(job.fresh, rounded);
    this.#timer ??= setInterval(() => this.#flush(), FLUSH_MS).unref();
  }

  end(jobId: string): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    this.#jobs.delete(jobId);
    this.#emit({ jobId, ...durationOf(job), points: job.fresh, ended: true });
  }

  /**
   * Every followed job's history, as `reset` messages: what a reader that just connected needs. Points not
   * sent yet are left out: the next second's message brings them to every reader alike.
   */
  snapshot(): LevelsMessage[] {
    return [...this.#jobs].map(([jobId, job]) => ({
      jobId,
      ...durationOf(job),
      points: job.history.slice(0, job.history.length - job.fresh.length),
      reset: true,
    }));
  }

  subscribe(listener: LevelsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #flush(): void {
    for (const [jobId, job] of this.#jobs) {
      if (job.fresh.length === 0) continue;
      const points = job.fresh;
      job.fresh = [];
      this.#emit({ jobId, ...durationOf(job), points });
    }
    if (this.#jobs.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #emit(message: LevelsMessage): void {
    for (const listener of this.#listeners) listener(message);
  }

  #forgetBeyondLimit(): void {
    while (this.#jobs.size > MAX_JOBS) {
      const oldest = this.#jobs.keys().next();
      if (oldest.done) return;
      this.end(oldest.value);
    }
  }
}

function keepLast(points: LevelsPoint[], point: LevelsPoint): void {
  points.push(point);
  if (points.length > LEVELS_HISTORY) points.splice(0, points.length - LEVELS_HISTORY);
}

function durationOf(job: FollowedJob): { duration?: number } {
  return job.duration === undefined ? {} : { duration: job.duration };
}

/** Enough digits for a 120-pixel sparkline; it keeps each point around 50 bytes of JSON. */
function roundPoint(point: LevelsPoint): LevelsPoint {
  return {
    t: round(point.t, 2),
    ...(point.luma !== undefined && { luma: round(point.luma, 3) }),
    ...(point.motion !== undefined && { motion: round(point.motion, 5) }),
    ...(point.loudness !== undefined && { loudness: round(point.loudness, 1) }),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
