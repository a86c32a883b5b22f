import type { AvmonConfig } from "../config.ts";
import type { Resolver, SsrfGuardOptions } from "../security/ssrf-guard.ts";

/**
 * The SSRF guard of the local stack, and of the commands that deliver on its behalf (`avmon replay-events`):
 * off by default, since locally a stream or a webhook receiver on one's own LAN is normal; on for a shared
 * stack (`AVMON_ALLOW_PRIVATE_SOURCES=false`), for sources and webhook receivers alike. Undefined when off.
 */
export function localGuard(
  config: Pick<AvmonConfig, "allowPrivateSources">,
  resolve?: Resolver,
): SsrfGuardOptions | undefined {
  return config.allowPrivateSources ? undefined : { resolve };
}
