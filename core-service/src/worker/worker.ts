import { randomUUID } from "node:crypto";
import type { ReceivedJob } from "../ports/job-queue.ts";
import { SETTLE_MS, settledWithin } from "./bounded.ts";
import { JobRun, type JobRunnerOptions } from "./job-runner.ts";

export interface WorkerOptions extends Omit<JobRunnerOptions, "workerId"> {
  /** Jobs analysed at once; the worker only receives as many as it has free slots. */
  readonly concurrency: number;
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
  readonly #running = new Map<string, RunningJob>();
  readonly #receiving = new AbortController();
  #state: WorkerState = "idle";
  #loop: Promise<void> = Promise.resolve();
  #slotFreed: () => void = () => {};

  constructor(options: WorkerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.#options = options;
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Job ids running now. */
  runningJobIds(): string[] {
    return [...this.#running.values()].map((r) => r.job.message.jobId);
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
      const free = this.#options.concurrency - this.#running.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.#slotFreed = resolve;
        });
        continue;
      }
      for (const job of await this.#receive(free, signal)) this.#launch(job);
    }
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
