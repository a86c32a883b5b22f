/** Keeps the orchestrator from stopping this task while it works (ECS task scale-in protection on AWS). */
export interface TaskProtection {
  set(
    state: { readonly enabled: true; readonly expiresInMinutes: number } | { readonly enabled: false },
  ): Promise<void>;
}
