/**
 * The defects the live bench injects, the alert latency each may take, and the accounting that matches each
 * published onset to its `Defect Detected` (a detector event `open`). Pure: the bench supplies wall-clock times.
 *
 * The defect programme loops every CYCLE_SECONDS: a black interval, a freeze, a silence and a loud stretch are
 * in the clip; the stall is the origin pausing (it sends nothing for STALL_SECONDS, past stallAfter). The first
 * onset comes 15 s into a cycle, so streams that join at the start have probed and settled by then, and the
 * cycle ends 7 s after the stall, time to reconnect before the next black.
 */

import { parseThresholds } from "../core-service/src/detectors/registry.ts";
import type { Defect } from "../core-service/src/domain/defect.ts";
import { defectKind } from "../core-service/src/domain/defect.ts";
import { StreamThresholds } from "../core-service/src/live/types.ts";

export type InjectedType = "black" | "freeze" | "silence" | "loudness" | "stall";
export const INJECTED_TYPES: readonly InjectedType[] = ["black", "freeze", "silence", "loudness", "stall"];

export const CYCLE_SECONDS = 65;
/** The programme's tone is −23 dBFS (≈ −23 LUFS, the loudness target); the loud stretch is +10 LU above it. */
export const LOUD_DBFS = -13;
export const STALL_SECONDS = 8;

/** Where in each cycle each defect starts and ends, seconds. */
export const PROGRAMME: Readonly<Record<InjectedType, { readonly start: number; readonly end: number }>> = {
  black: { start: 15, end: 19 },
  freeze: { start: 23, end: 28 },
  silence: { start: 32, end: 36 },
  loudness: { start: 40, end: 45 },
  stall: { start: 50, end: 50 + STALL_SECONDS },
};

/** An open is matched to the latest onset of its type at most this long before it. */
export const MATCH_WINDOW_MS = 15_000;

export interface LatencyBound {
  /** The defect's minimum duration under the default thresholds, seconds. */
  readonly minDuration: number;
  readonly gopSeconds: number;
  /** minDuration + one GOP + 1 s: the limit for `Defect Detected`. */
  readonly seconds: number;
}

/**
 * Each injected defect's bound, from the detectors' default options: black, freeze and silence their
 * `minDuration`; loudness the loud burst's `shortTermMinDuration` (a +10 LU stretch of 5 s is past the +8 LU
 * short-term margin, and shorter than the 10 s a wrong level needs); stall `stallAfter`.
 */
export function latencyBounds(gopSeconds: number): Record<InjectedType, LatencyBound> {
  const detectors = parseThresholds({});
  const stream = StreamThresholds.parse({});
  const minimum: Record<InjectedType, number> = {
    black: detectors.black.minDuration,
    freeze: detectors.freeze.minDuration,
    silence: detectors.silence.minDuration,
    loudness: detectors.loudness.shortTermMinDuration,
    stall: stream.stallAfter,
  };
  const bounds = {} as Record<InjectedType, LatencyBound>;
  for (const type of INJECTED_TYPES)
    bounds[type] = { minDuration: minimum[type], gopSeconds, seconds: minimum[type] + gopSeconds + 1 };
  return bounds;
}

/** The injected type a defect is, if it is one: loudness only as a loud burst (its short-term measure). */
export function injectedType(defect: Pick<Defect, "type" | "metrics">): InjectedType | undefined {
  const kind = defectKind(defect);
  if (kind === "loudness/shortTerm") return "loudness";
  return INJECTED_TYPES.find((t) => t !== "loudness" && t === kind);
}

export interface Timed {
  readonly type: InjectedType;
  readonly atMs: number;
}

export interface StreamLatencies {
  /** Seconds from each onset to its open, by type. */
  readonly latencies: Record<InjectedType, number[]>;
  /** Onsets no open followed within MATCH_WINDOW_MS. */
  readonly missed: Record<InjectedType, number>;
  /** Opens of an injected type with no onset of that type in the MATCH_WINDOW_MS before them. */
  readonly unexpected: Record<InjectedType, number>;
}

/** The wall-clock stretch whose onsets and opens are scored (the hold at the kept count). */
export interface Scored {
  readonly fromMs: number;
  readonly untilMs: number;
}

/**
 * One stream's alert latencies over `scored`: each onset is answered by the first open of its type after it
 * (within MATCH_WINDOW_MS). Only onsets whose whole window lies in `scored` count, answered or missed alike. An
 * open in `scored` that follows no onset of its type (scored or not) is unexpected.
 */
export function matchLatencies(
  onsets: readonly Timed[],
  opens: readonly Timed[],
  scored: Scored,
): StreamLatencies {
  const result: StreamLatencies = {
    latencies: byType(() => []),
    missed: byType(() => 0),
    unexpected: byType(() => 0),
  };
  const used = new Set<Timed>();
  for (const onset of [...onsets].sort((a, b) => a.atMs - b.atMs)) {
    const answer = opens.find((o) => !used.has(o) && answers(onset, o));
    if (answer) used.add(answer);
    if (onset.atMs < scored.fromMs || onset.atMs + MATCH_WINDOW_MS > scored.untilMs) continue;
    if (answer) result.latencies[onset.type].push((answer.atMs - onset.atMs) / 1000);
    else result.missed[onset.type]++;
  }
  for (const open of opens)
    if (open.atMs >= scored.fromMs && open.atMs < scored.untilMs && !onsets.some((o) => answers(o, open)))
      result.unexpected[open.type]++;
  return result;
}

function answers(onset: Timed, open: Timed): boolean {
  return open.type === onset.type && open.atMs >= onset.atMs && open.atMs - onset.atMs <= MATCH_WINDOW_MS;
}

/**
 * The wall-clock onsets of the programme's defects in [fromMs, untilMs): `publishedAt(originTime)` is when the
 * origin sent that moment of its looping programme (origin time runs on across loops: cycle k starts at
 * k × CYCLE_SECONDS). The stall is not in the programme: the bench notes when it paused the origin.
 */
export function programmeOnsets(
  publishedAt: (originTime: number) => number,
  fromMs: number,
  untilMs: number,
): Timed[] {
  const onsets: Timed[] = [];
  for (let cycle = 0; publishedAt(cycle * CYCLE_SECONDS) < untilMs; cycle++)
    for (const type of INJECTED_TYPES) {
      if (type === "stall") continue;
      const atMs = publishedAt(cycle * CYCLE_SECONDS + PROGRAMME[type].start);
      if (atMs >= fromMs && atMs < untilMs) onsets.push({ type, atMs });
    }
  return onsets;
}

/** Several streams' latencies pooled, per type. */
export function poolLatencies(streams: readonly StreamLatencies[]): StreamLatencies {
  const pooled: StreamLatencies = {
    latencies: byType(() => []),
    missed: byType(() => 0),
    unexpected: byType(() => 0),
  };
  for (const s of streams)
    for (const type of INJECTED_TYPES) {
      pooled.latencies[type].push(...s.latencies[type]);
      pooled.missed[type] += s.missed[type];
      pooled.unexpected[type] += s.unexpected[type];
    }
  return pooled;
}

/** Whether every injected type was answered, each within its bound: the alerting the kept count must keep. */
export function latenciesWithin(
  pooled: StreamLatencies,
  bounds: Readonly<Record<InjectedType, LatencyBound>>,
): boolean {
  return INJECTED_TYPES.every(
    (type) =>
      pooled.missed[type] === 0 && pooled.latencies[type].every((seconds) => seconds <= bounds[type].seconds),
  );
}

function byType<T>(make: () => T): Record<InjectedType, T> {
  return Object.fromEntries(INJECTED_TYPES.map((t) => [t, make()])) as Record<InjectedType, T>;
}
