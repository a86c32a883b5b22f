import type { Logger } from "../logging/logger.ts";
import type { TaskProtection } from "../ports/task-protection.ts";

export interface ScaleInProtectionOptions {
  readonly protection: TaskProtection;
  /** How many jobs the task runs now. */
  readonly runningJobs: () => number;
  readonly logger: Logger;
  /** Each grant lasts this long, so a task that dies while protected is released by ECS on its own. */
  readonly expiresInMinutes?: number;
  /** How often the busy state is looked at; protection follows it within one interval. */
  readonly checkIntervalMs?: number;
  readonly now?: () => number;
}

const DEFAULT_EXPIRES_IN_MINUTES = 15;
const DEFAULT_CHECK_INTERVAL_MS = 2000;

/**
 * Holds the task's scale-in protection while it runs at least one job and releases it once idle, so scale-in
 * takes idle tasks instead of cutting a stream mid-analysis. A grant is renewed when a third of it is left;
 * a failed call is logged and retried on the next check (the worker goes on analysing either way).
 */
export class ScaleInProtection {
  readonly #options: ScaleInProtectionOptions;
  readonly #expiresMs: number;
  #protectedUntil: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> = Promise.resolve();

  constructor(options: ScaleInProtectionOptions) {
    this.#options = options;
    const minutes = options.expiresInMinutes ?? DEFAULT_EXPIRES_IN_MINUTES;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 2880) {
      throw new RangeError(`expiresInMinutes must be an integer from 1 to 2880, got ${minutes}`);
    }
    this.#expiresMs = minutes * 60_000;
  }

  get isProtected(): boolean {
    return this.#protectedUntil !== undefined;
  }

  start(): void {
    const interval = this.#options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
    this.#timer = setInterval(() => {
      this.#tick = this.#tick.then(() => this.check());
    }, interval);
    this.#timer.unref();
  }

  /** Stops checking and releases protection still held, so a stopping task is not kept alive by it. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#tick;
    if (this.#protectedUntil !== undefined) await this.#release();
  }

  /** One look at the busy state: grant, renew or release as needed. */
  async check(): Promise<void> {
    const busy = this.#options.runningJobs() > 0;
    if (busy && this.#needsGrant()) await this.#grant();
    else if (!busy && this.#protectedUntil !== undefined) await this.#release();
  }

  #needsGrant(): boolean {
    return this.#protectedUntil === undefined || this.#protectedUntil - this.#now() < this.#expiresMs / 3;
  }

  async #grant(): Promise<void> {
    const expiresInMinutes = this.#expiresMs / 60_000;
    const startedAt = this.#now();
    try {
      await this.#options.protection.set({ enabled: true, expiresInMinutes });
      this.#protectedUntil = startedAt + this.#expiresMs;
    } catch (error) {
      this.#options.logger.warn("could not set scale-in protection; trying again shortly", { error });
    }
  }

  async #release(): Promise<void> {
    try {
      await this.#options.protection.set({ enabled: false });
      this.#protectedUntil = undefined;
    } catch (error) {
      this.#options.logger.warn("could not release scale-in protection; trying again shortly", { error });
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
