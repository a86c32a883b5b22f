import type { LiveProfile } from "./job.ts";

/**
 * 720p30 streams one machine keeps in real time, per profile: THE figure to update when the bench says
 * otherwise. Measured with `npm run bench -- live` (full) and `npm run bench -- live --profile economy` on a
 * 2-vCPU machine. Full: 16 streams (38 MiB each). Economy: issue 13's target of at least 3× full, until the
 * economy bench run replaces it with its own figure.
 */
export const LIVE_BENCH = {
  vcpus: 2,
  streams: { full: 16, economy: 48 },
} as const satisfies { vcpus: number; streams: Record<LiveProfile, number> };

/**
 * Share of the bench's real-time ceiling a task is filled to. The bench measures the edge on a quiet
 * machine with one source; a task also publishes, writes evidence, escalates economy streams to full decode
 * when they look wrong, and follows sources of other bitrates on a Fargate vCPU that is not the bench's.
 * A quarter kept free absorbs that without a stream falling behind real time.
 */
export const LIVE_HEADROOM = 0.75;

/** Live streams one task of `vcpus` follows at once under `profile`: the bench figure, scaled, with headroom. */
export function liveStreamsPerTask(profile: LiveProfile, vcpus: number = LIVE_BENCH.vcpus): number {
  const perVcpu = LIVE_BENCH.streams[profile] / LIVE_BENCH.vcpus;
  return Math.max(1, Math.floor(perVcpu * vcpus * LIVE_HEADROOM));
}
