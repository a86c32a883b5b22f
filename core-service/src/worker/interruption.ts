/**
 * Why a running job was cut short; each leads to a different end. `shutdown`: released for another worker.
 * `stop`: the user asked (DELETE), completed as stopped. `halt`: the worker is gone, nothing more is said or
 * done, as when a process is killed. `lease-lost`: the lease can no longer be proven, so another worker may
 * already hold the job: this run stops and says nothing more. `lease-ending`: the queue's visibility cap is
 * near while the lease still holds: a live job is handed on, a file job fails as LIMIT_REACHED.
 */
export type InterruptionKind = "shutdown" | "stop" | "halt" | "lease-lost" | "lease-ending";

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
