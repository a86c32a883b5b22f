/**
 * Why a running job was cut short; each leads to a different end. `shutdown`: released for another worker.
 * `stop`: the user asked (DELETE), completed as stopped. `halt`: the worker is gone, nothing more is said or
 * done, as when a process is killed. `lease-lost`: the queue will redeliver it, so this run just ends.
 */
export type InterruptionKind = "shutdown" | "stop" | "halt" | "lease-lost";

export class JobInterruption extends Error {
  constructor(readonly kind: InterruptionKind) {
    super(`job interrupted: ${kind}`);
    this.name = "JobInterruption";
  }
}

export function interruptionOf(signal: AbortSignal): InterruptionKind | undefined {
  if (!signal.aborted) return undefined;
  return signal.reason instanceof JobInterruption ? signal.reason.kind : "lease-lost";
}
