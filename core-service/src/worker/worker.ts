import { randomUUID } from "node:crypto";
import { liveStreamsPerTask } from "../domain/live-capacity.ts";
import type { ReceivedJob } from "../ports/job-queue.ts";
import { SETTLE_MS, settledWithin } from "./bounded.ts";
import { JobRun, type JobRunnerOptions } from "./job-runner.ts";
import { FULL_PAUSE_MS, returnToQueue } from "./live-slots.ts";

export interface WorkerOptions extends Omit<JobRunnerOptions, "workerId"> {
  /** File jobs analysed at once; the worker only receives as many as it has free file slots. */
  readonly concurrency: number;
  /**
   * Live streams followed at once, apart from `concurrency` (a live job runs for hours and would hold a file
   * slot all that time); default: the profile's streams per task (domain/live-capacity.ts).
   */
  readonly maxLiveStreams?: number;
  /** Pause before receiving again after a live job went back for want of a slot, unless a slot frees. */
  readonly fullPauseMs?: number;
  readonly workerId?: string;
  /** Pause after a failed receive (network, throttling) before polling again. */
  readonly receiveErrorPauseMs?: number;
}

export interface ShutdownResult {
  /** Jobs that ended on their own (completed, failed or retried) during the shutdown. */
  readonly finished: number;
  /** Jobs released back to the queue at the deadline, for another worker to take. */
  readonly released: number;
}

interface RunningJob {
  readonly job: ReceivedJob;
  readonly run: JobRun;
  readonly done: Promise<void>;
}

type WorkerState = "idle" | "running" | "stopping" | "stopped";

/**
 * Takes jobs off the queue up to its concurrency and runs each to an end. On shutdown it stops receiving,
 * lets running jobs finish until the deadline, then releases what is left so another worker picks it up.
 */
export class Worker {
  readonly workerId: string;
  readonly #options: WorkerOptions;
  readonly #maxLiveStreams: number;
  readonly #running = new Map<string, RunningJob>();
  readonly #receiving = new AbortController();
  #state: WorkerState = "idle";
  #loop: Promise<void> = Promise.resolve();
  #slotFreed: () => void = () => {};

  constructor(options: WorkerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    const maxLiveStreams = options.maxLiveStreams ?? liveStreamsPerTask(options.live?.profile ?? "full");
    if (!Number.isInteger(maxLiveStreams) || maxLiveStreams < 1) {
      throw new RangeError(`maxLiveStreams must be a positive integer, got ${maxLiveStreams}`);
    }
    this.#options = options;
    this.#maxLiveStreams = maxLiveStreams;
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Job ids running now. */
  runningJobIds(): string[] {
    return [...this.#running.values()].map((r) => r.job.message.jobId);
  }

  /** Live jobs running now: the task's RunningStreams metric, which autoscaling averages over tasks. */
  runningLiveJobs(): number {
    return this.#runningOf("live");
  }

  #runningOf(mode: "file" | "live"): number {
    let count = 0;
    for (const running of this.#running.values()) if (running.job.message.mode === mode) count++;
    return count;
  }

  start(): void {
    if (this.#state !== "idle") throw new Error(`worker already ${this.#state}`);
    this.#state = "running";
    this.#loop = this.#receiveLoop();
  }

  /** Stops one running job on request (DELETE /v1/jobs/{id}); false when this worker is not running it. */
  stopJob(jobId: string): boolean {
    const running = [...this.#running.values()].find((r) => r.job.message.jobId === jobId);
    running?.run.interrupt("stop");
    return running !== undefined;
  }

  /**
   * Graceful shutdown (SIGTERM): no new jobs; running ones may finish until `deadlineMs`, then are released.
   * Resolves within the deadline plus SETTLE_MS whatever hangs: a job that has not settled by then (a call
   * that takes no signal and never returns) is halted and left to its lease, and the bus gets SETTLE_MS to flush.
   */
  async stop(deadlineMs: number): Promise<ShutdownResult> {
    const runningAtStart = this.#running.size;
    await this.#stopReceiving();
    let released = 0;
    // A live stream never finishes on its own: hand it to the next worker now rather than at the deadline.
    for (const running of this.#running.values()) {
      if (running.job.message.mode !== "live") continue;
      released++;
      running.run.interrupt("shutdown");
    }
    const timer = setTimeout(() => {
      for (const running of this.#running.values()) {
        if (running.run.interrupted) continue;
        released++;
        running.run.interrupt("shutdown");
      }
    }, releaseAt(deadlineMs));
    try {
      if (!(await settledWithin(this.#allSettled(), deadlineMs + SETTLE_MS))) {
        const stuck = this.runningJobIds();
        this.#options.logger.error("jobs did not settle in time; left to their leases", { jobIds: stuck });
        for (const running of this.#running.values()) running.run.interrupt("halt");
      }
    } finally {
      clearTimeout(timer);
      this.#state = "stopped";
    }
    if (!(await settledWithin(this.#options.bus.flush(), SETTLE_MS)))
      this.#options.logger.error("the bus did not flush in time; unacked jobs will be delivered again");
    return { finished: runningAtStart - released, released };
  }

  /**
   * Stops at once without acknowledging, releasing or publishing anything more: what a killed process leaves
   * behind. Its jobs come back when their visibility runs out. For crash tests and fatal errors.
   */
  async halt(): Promise<void> {
    for (const running of this.#running.values()) running.run.interrupt("halt");
    await this.#stopReceiving();
    await settledWithin(this.#allSettled(), SETTLE_MS);
    this.#state = "stopped";
  }

  async #stopReceiving(): Promise<void> {
    if (this.#state === "running") this.#state = "stopping";
    this.#receiving.abort();
    this.#slotFreed();
    await this.#loop;
  }

  async #allSettled(): Promise<void> {
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  async #receiveLoop(): Promise<void> {
    const signal = this.#receiving.signal;
    while (!signal.aborted) {
      const free = this.#options.concurrency - this.#runningOf("file");
      if (free <= 0) {
        await this.#nextFreedSlot();
        continue;
      }
      let returned = 0;
      for (const job of await this.#receive(free, signal)) {
        if (job.message.mode === "live" && this.runningLiveJobs() >= this.#maxLiveStreams) {
          await returnToQueue(this.#options.queue, job, this.#options.logger);
          returned++;
        } else this.#launch(job);
      }
      // Receiving again at once would take the same job straight back: give the other tasks a moment.
      if (returned > 0 && !signal.aborted)
        await this.#nextFreedSlot(this.#options.fullPauseMs ?? FULL_PAUSE_MS);
    }
  }

  /** Resolves when a job ends, when the worker stops, or after `ms` when given. */
  #nextFreedSlot(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.#slotFreed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #receive(max: number, signal: AbortSignal): Promise<ReceivedJob[]> {
    try {
      return await this.#options.queue.receive(max, signal);
    } catch (error) {
      if (signal.aborted) return [];
      this.#options.logger.error("receive failed; polling again shortly", { error });
      await pause(this.#options.receiveErrorPauseMs ?? 1000, signal);
      return [];
    }
  }

  #launch(job: ReceivedJob): void {
    const run = new JobRun(job, { ...this.#options, workerId: this.workerId });
    // A job that arrives as shutdown begins was never started: hand it straight back.
    if (this.#receiving.signal.aborted) run.interrupt("shutdown");
    const done = run.run().finally(() => {
      this.#running.delete(job.receiptId);
      this.#slotFreed();
    });
    this.#running.set(job.receiptId, { job, run, done });
  }
}

/** Releasing takes a moment (a ChangeMessageVisibility call), so it starts a little before the deadline. */
function releaseAt(deadlineMs: number): number {
  return Math.max(0, deadlineMs - Math.min(5000, deadlineMs / 10));
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
