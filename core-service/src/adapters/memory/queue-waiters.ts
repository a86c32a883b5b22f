/** Long-poll parking for the in-memory queue: receivers sleep until a send/release, a timeout or an abort. */
export class QueueWaiters {
  private readonly wakers = new Set<() => void>();

  notify(): void {
    for (const wake of [...this.wakers]) wake();
  }

  waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", wake);
        this.wakers.delete(wake);
        resolve();
      };
      // Infinity would overflow setTimeout into an immediate fire; the caller's deadline bounds the wait anyway.
      const timer = setTimeout(wake, Math.min(timeoutMs, 2 ** 31 - 1));
      this.wakers.add(wake);
      signal?.addEventListener("abort", wake, { once: true });
    });
  }
}
