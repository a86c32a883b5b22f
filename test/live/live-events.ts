/** Records a live job's events with the wall time each reached the listener, and waits for particular ones. */
import type { DefectType } from "../../core-service/src/domain/defect.ts";
import type { LiveDetectorEvent } from "../../core-service/src/live/types.ts";

export interface ReceivedEvent {
  readonly event: LiveDetectorEvent;
  readonly atMs: number;
}

export class EventLog {
  readonly received: ReceivedEvent[] = [];
  private waiters: Array<() => void> = [];

  readonly listener = (event: LiveDetectorEvent): void => {
    this.received.push({ event, atMs: Date.now() });
    for (const wake of this.waiters) wake();
  };

  /** The first matching event received at or after `sinceMs`. */
  find(kind: "open" | "close", type: DefectType, sinceMs = 0): ReceivedEvent | undefined {
    return this.received.find(
      (r) => r.event.kind === kind && r.event.defect.type === type && r.atMs >= sinceMs,
    );
  }

  /** Resolves with the first matching event (at or after `sinceMs`); rejects after `timeoutMs`. */
  waitFor(kind: "open" | "close", type: DefectType, timeoutMs: number, sinceMs = 0): Promise<ReceivedEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.find(kind, type, sinceMs);
        if (!found) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(found);
        return true;
      };
      const wake = () => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new Error(`no ${kind} ${type} within ${timeoutMs} ms; got ${this.summary()}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(wake);
    });
  }

  /** "open freeze, close freeze, …" */
  summary(): string {
    return this.received.map((r) => `${r.event.kind} ${r.event.defect.type}`).join(", ") || "nothing";
  }
}

/** True while a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
