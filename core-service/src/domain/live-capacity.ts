import type { LiveProfile } from "./job.ts";

/**
 * 720p30 streams one machine keeps in real time, per profile: THE figure to update when the bench says
 * otherwise. Measured with `npm run bench -- live --profile full` and `npm run bench -- live --profile economy`
 * on a 2-vCPU machine (quiet, 2026-12-02, the programme source): full 15 streams (29 MiB each), economy 62
 * (37 MiB each), the README's Cost figures.
 */
export const LIVE_BENCH = {
  vcpus: 2,
  streams: { full: 15, economy: 62 },
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
