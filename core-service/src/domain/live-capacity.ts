import type { LiveProfile } from "./job.ts";

/**
 * 720p30 streams one machine keeps in real time, per profile: THE figure to update when the bench says
 * otherwise. Measured with `npm run bench -- live` (both profiles in one run) on a 2-vCPU machine
 * (2026-12-03, the programme source, nothing else running): full 11 streams (35 MiB each), economy 53 (44 MiB
 * each). (A quiet run on 2026-12-02 kept 15 and 62, but its defect streams stopped decoding pictures after each
 * stall, a bug since fixed; the run of 2026-12-04 in the README's Cost table kept 14 and 69. The lowest
 * figures since the fixes are the safer ones to scale on.)
 */
export const LIVE_BENCH = {
  vcpus: 2,
  streams: { full: 11, economy: 53 },
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
