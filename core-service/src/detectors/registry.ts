/**
 * The detectors avmon knows, their options schemas, and how thresholds from a job or `--config` become
 * detector instances. Adding a detector means one entry here.
 */
import type { z } from "zod";
import { type DetectorName, FILE_DEFECT_TYPES } from "../domain/defect.ts";
import { ConfigError } from "../domain/errors.ts";
import type { Thresholds } from "../domain/job.ts";
import { BlackOptions, createBlackDetector } from "./black.ts";
import { BlockinessOptions, createBlockinessDetector } from "./blockiness.ts";
import { CaptionsLostOptions, createCaptionsLostDetector } from "./captions-lost.ts";
import { ClippingOptions, createClippingDetector } from "./clipping.ts";
import { createFreezeDetector, FreezeOptions } from "./freeze.ts";
import { createLoudnessDetector, LoudnessOptions } from "./loudness.ts";
import { createSilenceDetector, SilenceOptions } from "./silence.ts";
import type { Detector } from "./types.ts";

export const ALL_DETECTORS: readonly DetectorName[] = FILE_DEFECT_TYPES;

export const DETECTOR_OPTIONS = {
  black: BlackOptions,
  freeze: FreezeOptions,
  blockiness: BlockinessOptions,
  silence: SilenceOptions,
  clipping: ClippingOptions,
  loudness: LoudnessOptions,
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
  const factories: Record<DetectorName, () => Detector> = {
    black: () => createBlackDetector(options.black),
    freeze: () => createFreezeDetector(options.freeze, options.black),
    blockiness: () => createBlockinessDetector(options.blockiness),
    silence: () => createSilenceDetector(options.silence),
    clipping: () => createClippingDetector(options.clipping),
    loudness: () => createLoudnessDetector(options.loudness),
    "captions-lost": () => createCaptionsLostDetector(options["captions-lost"]),
  };
  return [...new Set(names)].map((name) => factories[name]());
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
