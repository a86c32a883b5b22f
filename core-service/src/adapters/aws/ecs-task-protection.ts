import type { TaskProtection } from "../../ports/task-protection.ts";

/**
 * Scale-in protection through the ECS agent's endpoint (`$ECS_AGENT_URI/task-protection/v1/state`), which acts
 * with the task role (ecs:UpdateTaskProtection). Plain HTTP to the agent inside the task: no SDK involved.
 */
export function ecsAgentTaskProtection(agentUri: string, timeoutMs = 5000): TaskProtection {
  const url = `${agentUri.replace(/\/+$/, "")}/task-protection/v1/state`;
  return {
    async set(state) {
      const body = state.enabled
        ? { ProtectionEnabled: true, ExpiresInMinutes: state.expiresInMinutes }
        : { ProtectionEnabled: false };
      const response = await fetch(url, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Besides HTTP errors, the agent reports ECS refusals (a missing IAM permission) as `failure`/`error`.
      const text = await response.text();
      const failure = parseFailure(text);
      if (!response.ok || failure) {
        throw new Error(
          `task protection update failed: HTTP ${response.status} ${failure ?? text.slice(0, 200)}`,
        );
      }
    },
  };
}

function parseFailure(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { failure?: { Reason?: string }; error?: { Message?: string } };
    if (parsed.failure) return parsed.failure.Reason ?? "failure";
    if (parsed.error) return parsed.error.Message ?? "error";
    return undefined;
  } catch {
    return undefined;
  }
}
