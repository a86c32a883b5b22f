import type { StopRequests } from "../../ports/stop-requests.ts";

/**
 * The local stack's stop requests: remembered for the worker to see when it takes a queued job, and passed at
 * once to the local worker for a job it is running.
 */
export class MemoryStopRequests implements StopRequests {
  readonly #requested = new Set<string>();
  readonly #stopRunning: (jobId: string) => void;

  constructor(stopRunning: (jobId: string) => void) {
    this.#stopRunning = stopRunning;
  }

  async request(jobId: string): Promise<void> {
    this.#requested.add(jobId);
    this.#stopRunning(jobId);
  }

  isRequested = (jobId: string): boolean => this.#requested.has(jobId);
}
