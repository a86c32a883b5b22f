/**
 * The pure parts of the live bench's search for the largest stream count a machine keeps in real time: its
 * arguments, the counts it tries, when a window counts as real time, and when adding streams must stop for
 * memory or file descriptors. No I/O here, so each rule is unit-tested (test/unit/live-bench-search.test.ts).
 */
import type { LiveProfile } from "../core-service/src/domain/job.ts";
import { BenchUsageError } from "./usage-error.ts";

export const PROFILES: readonly LiveProfile[] = ["full", "economy"];
/** Streams that follow the defect origin (test/support/live-origin.ts with a programme of defects). */
export const DEFECT_STREAMS = 3;
/** The search starts with the defect streams and one healthy stream. */
export const FIRST_COUNT = DEFECT_STREAMS + 1;
/** Up to this count streams are added one at a time; past it, about a quarter more at each step. */
const SINGLE_STEPS_UNTIL = 8;
export const FPS = 30;
/** Full profile: decoded pictures a second, at least this share of the clip's 30. */
const MIN_FPS_SHARE = 0.9;
/** Lag behind real time (LiveStats.lagSeconds, growth since the connection began) may not pass this. */
const MAX_LAG_SECONDS = 2;
/** Stream seconds analysed per wall second, at least this (audio is decoded in full in both profiles). */
const MIN_MEDIA_RATE = 0.9;
/** Memory left to the rest of the machine when streams are added, MiB. */
const MEMORY_RESERVE_MIB = 512;
/** Share of the open-files limit the bench may use. */
const FD_LIMIT_SHARE = 0.9;

export interface LiveBenchArgs {
  readonly profiles: readonly LiveProfile[];
  /** Debug: stop growing at this many streams (a short smoke run); absent = until the machine falls behind. */
  readonly stopAt?: number;
}

/** `npm run bench -- live [--profile full|economy] [--stop-at N]`; bad input throws a BenchUsageError saying why. */
export function parseLiveBenchArgs(args: readonly string[]): LiveBenchArgs {
  let profiles = PROFILES;
  let stopAt: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    const value = args[i + 1];
    if (name === "--profile") {
      if (!PROFILES.includes(value as LiveProfile))
        throw new BenchUsageError(
          `--profile must be one of ${PROFILES.join(", ")}, not ${JSON.stringify(value)}`,
        );
      profiles = [value as LiveProfile];
    } else if (name === "--stop-at") {
      const count = Number(value);
      if (!Number.isInteger(count) || count < FIRST_COUNT)
        throw new BenchUsageError(
          `--stop-at must be a whole number of streams ≥ ${FIRST_COUNT} (${DEFECT_STREAMS} defect streams and a healthy one), not ${JSON.stringify(value)}`,
        );
      stopAt = count;
    } else
      throw new BenchUsageError(
        `unknown live bench argument ${JSON.stringify(name)} (known: --profile, --stop-at)`,
      );
    i++;
  }
  return { profiles, ...(stopAt !== undefined && { stopAt }) };
}

/** The count after `count` while every step so far kept up: +1 up to 8, then about +25 % (8, 10, 12, 15, 19, …). */
export function growCount(count: number): number {
  return count < SINGLE_STEPS_UNTIL ? count + 1 : count + Math.max(1, Math.round(count / 4));
}

/**
 * The next count to try, or undefined when the search is over: `start` first, grow while nothing has fallen
 * behind, then halve the gap between the largest count kept (the defect streams alone, before any) and the
 * smallest that fell behind until they are neighbours. `stopAt` caps the growth (a smoke run).
 */
export function nextCount(
  kept: number | undefined,
  failed: number | undefined,
  { start = FIRST_COUNT, stopAt }: { start?: number; stopAt?: number } = {},
): number | undefined {
  const cap = stopAt ?? Number.POSITIVE_INFINITY;
  if (failed === undefined) {
    if (kept === undefined) return Math.min(start, cap);
    return kept >= cap ? undefined : Math.min(growCount(kept), cap);
  }
  const floor = kept ?? FIRST_COUNT - 1;
  return failed - floor > 1 ? Math.floor((floor + failed) / 2) : undefined;
}

/** What one healthy stream did over a measure window. */
export interface StreamWindow {
  /** Mean of LiveStats.framesPerSecond over the window. */
  readonly fps: number;
  /** Largest LiveStats.lagSeconds seen in the window. */
  readonly maxLag: number;
  /** Stream seconds analysed per wall second (LiveStats.streamTime's advance over the window). */
  readonly mediaRate: number;
}

export interface WindowVerdict {
  readonly kept: boolean;
  readonly minFps: number;
  readonly maxLag: number;
  readonly minMediaRate: number;
}

/**
 * Kept in real time: no healthy stream's lag grew past 2 s, and — full profile — each decoded ≥ 90 % of 30 fps;
 * economy decodes few pictures by design, so there each stream must analyse ≥ 0.9 s of stream a second instead.
 */
export function keptInRealTime(profile: LiveProfile, windows: readonly StreamWindow[]): WindowVerdict {
  const minFps = Math.min(...windows.map((w) => w.fps));
  const maxLag = Math.max(...windows.map((w) => w.maxLag));
  const minMediaRate = Math.min(...windows.map((w) => w.mediaRate));
  const paced = profile === "full" ? minFps >= FPS * MIN_FPS_SHARE : minMediaRate >= MIN_MEDIA_RATE;
  return { kept: windows.length > 0 && paced && maxLag <= MAX_LAG_SECONDS, minFps, maxLag, minMediaRate };
}

export interface Resources {
  readonly memoryAvailableMiB: number;
  readonly openFiles: number;
  readonly openFilesLimit: number;
}

/**
 * Why `adding` more streams must not be started, or undefined when they may: the memory they would take (at
 * `perStream` of what the streams so far cost) must leave MEMORY_RESERVE_MIB, and their file descriptors must
 * stay within FD_LIMIT_SHARE of the limit. This, not a fixed count, is what caps the search.
 */
export function safetyStop(
  adding: number,
  now: Resources,
  perStream: { readonly memoryMiB: number; readonly openFiles: number },
): string | undefined {
  const memory = adding * perStream.memoryMiB;
  if (now.memoryAvailableMiB - memory < MEMORY_RESERVE_MIB)
    return `${adding} more streams would take ~${memory.toFixed(0)} MiB of the ${now.memoryAvailableMiB.toFixed(0)} MiB available (${MEMORY_RESERVE_MIB} MiB kept free)`;
  const files = now.openFiles + adding * perStream.openFiles;
  if (files > now.openFilesLimit * FD_LIMIT_SHARE)
    return `${adding} more streams would open ~${files} files, past ${FD_LIMIT_SHARE * 100} % of the limit of ${now.openFilesLimit}`;
  return undefined;
}
