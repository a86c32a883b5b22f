/**
 * How long a job, the worker or a process may take to settle once told to stop (DELETE, SIGTERM at the release
 * point): every bus or queue call still pending after this is given up, so no hanging network call (a slow
 * EventBridge, a throttled SQS, a credentials endpoint that never answers) can hold a stop or a shutdown.
 * Under the 2 s a stop promises, leaving room for ffmpeg to be reaped and the process to exit.
 */
export const SETTLE_MS = 1500;

/**
 * Settles as `promise` does, or rejects with `signal.reason` as soon as `signal` aborts; the promise itself
 * runs out on its own (its result or error is then ignored). For calls that take no signal of their own
 * (a DNS lookup, an SDK credentials provider) or that the caller must not wait on past a point.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Waits for `promise` at most `ms`; resolves false (instead of rejecting) when it did not settle in time or failed. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  try {
    await untilAborted(promise, AbortSignal.timeout(ms));
    return true;
  } catch {
    return false;
  }
}

/** Calls `listener` when `signal` aborts (at once if it already has); returns the way to stop listening. */
export function whenAborted(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}
