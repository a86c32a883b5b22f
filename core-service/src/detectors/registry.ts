/**
 * The detectors avmon knows, their options schemas, and how thresholds from a job or `--config` become
 * detector instances. Adding a detector means one entry here.
 */
import type { z } from "zod";
import { type DetectorName, FILE_DEFECT_TYPES } from "../domain/defect.ts";
import { ConfigError } from "../domain/errors.ts";
import type { Thresholds } from "../domain/job.ts";
import { AvSyncOptions, createAvSyncDetector } from "./av-sync.ts";
import { ColourBarsSignalOptions, createColourBarsDetector } from "./bars-on-air.ts";
import { BlackOptions, createBlackDetector } from "./black.ts";
import { BlockinessOptions, createBlockinessDetector } from "./blockiness.ts";
import { CaptionsLostOptions, createCaptionsLostDetector } from "./captions-lost.ts";
import { ChannelLossOptions, createChannelLossDetector } from "./channel-loss.ts";
import { ClippingOptions, createClippingDetector } from "./clipping.ts";
import { createFreezeDetector, FreezeOptions } from "./freeze.ts";
import { createLineUpToneDetector, LineUpToneOptions } from "./line-up-tone.ts";
import { createLoudnessDetector, LoudnessOptions } from "./loudness.ts";
import { createPhaseDetector, PhaseOptions } from "./phase.ts";
import { createSilenceDetector, SilenceOptions } from "./silence.ts";
import { stillPictureMeters } from "./still-pictures.ts";
import type { Detector } from "./types.ts";

export const ALL_DETECTORS: readonly DetectorName[] = FILE_DEFECT_TYPES;

/** `test-signal` is two detectors (a line-up tone in the sound, colour bars in the picture) with one option block. */
const TestSignalOptions = LineUpToneOptions.extend(ColourBarsSignalOptions.shape).strict();

/** The fields of `options` that `schema` knows: each test-signal detector checks its own strictly. */
function only<T extends z.ZodObject>(schema: T, options: object): z.input<T> {
  const known = new Set(Object.keys(schema.shape));
  return Object.fromEntries(Object.entries(options).filter(([key]) => known.has(key))) as z.input<T>;
}

export const DETECTOR_OPTIONS = {
  black: BlackOptions,
  freeze: FreezeOptions,
  blockiness: BlockinessOptions,
  silence: SilenceOptions,
  clipping: ClippingOptions,
  loudness: LoudnessOptions,
  "av-sync": AvSyncOptions,
  "channel-loss": ChannelLossOptions,
  phase: PhaseOptions,
  "test-signal": TestSignalOptions,
  "captions-lost": CaptionsLostOptions,
} satisfies Record<DetectorName, z.ZodType>;

/** Validates every detector's thresholds, naming the offending field (`thresholds.freeze.minDuration: …`). */
export function parseThresholds(thresholds: Thresholds = {}): ParsedThresholds {
  const parsed: Partial<Record<DetectorName, unknown>> = {};
  for (const name of ALL_DETECTORS) {
    const result = DETECTOR_OPTIONS[name].safeParse(thresholds[name] ?? {});
    if (!result.success) {
      const issue = result.error.issues[0];
      const path = ["thresholds", name, ...(issue?.path ?? [])].join(".");
      const keys = issue && "keys" in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(", ")})` : "";
      throw new ConfigError(`${path}: ${issue?.message ?? "invalid"}${keys}`);
    }
    parsed[name] = result.data;
  }
  return parsed as ParsedThresholds;
}

export type ParsedThresholds = { [K in DetectorName]: z.infer<(typeof DETECTOR_OPTIONS)[K]> };

export function createDetectors(names: readonly DetectorName[], thresholds: Thresholds = {}): Detector[] {
  const options = parseThresholds(thresholds);
  const still = stillPictureMeters(options.black, options["test-signal"]);
  // A name may stand for several detectors of one defect type, each on its own input (test-signal: bars in
  // the picture, a tone in the sound).
  const factories: Record<DetectorName, () => Detector | Detector[]> = {
    black: () => createBlackDetector(options.black, still.black),
    freeze: () => createFreezeDetector(options.freeze, still),
    blockiness: () => createBlockinessDetector(options.blockiness),
    silence: () => createSilenceDetector(options.silence),
    clipping: () => createClippingDetector(options.clipping),
    loudness: () => createLoudnessDetector(options.loudness),
    "av-sync": () => createAvSyncDetector(options["av-sync"]),
    "channel-loss": () => createChannelLossDetector(options["channel-loss"]),
    phase: () => createPhaseDetector(options.phase),
    "test-signal": () => [
      createLineUpToneDetector(only(LineUpToneOptions, options["test-signal"])),
      createColourBarsDetector(only(ColourBarsSignalOptions, options["test-signal"]), still.bars),
    ],
    "captions-lost": () => createCaptionsLostDetector(options["captions-lost"]),
  };
  return [...new Set(names)].flatMap((name) => factories[name]());
}

/** Every detector's whole-source figures (integrated loudness, …) in one record, for the report. */
export function detectorSummaries(detectors: readonly Detector[]): Record<string, number | null> {
  return Object.assign({}, ...detectors.map((d) => d.summary?.() ?? {}));
}

/** "black,freeze" → ["black", "freeze"], or a ConfigError naming the unknown one. */
export function parseDetectorList(list: string): DetectorName[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ConfigError("--detectors: give at least one detector");
  for (const name of names) {
    if (!(ALL_DETECTORS as readonly string[]).includes(name))
      throw new ConfigError(`--detectors: unknown detector "${name}" (known: ${ALL_DETECTORS.join(", ")})`);
  }
  return names as DetectorName[];
}
