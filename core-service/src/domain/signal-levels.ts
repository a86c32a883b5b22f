/**
 * What an operator's live tile draws: a few figures the detectors compute anyway, sampled about once a second
 * of media. Each is absent when the detector that measures it does not run.
 */
export interface SignalLevels {
  /** Mean picture level from nominal black (0) to nominal white (1): the black detector's measure. */
  readonly luma?: number;
  /** Mean block difference to the previous picture (0 = still): the freeze detector's measure. */
  readonly motion?: number;
  /** EBU R128 momentary loudness (400 ms), LUFS: the loudness detector's meter. */
  readonly loudness?: number;
}

export interface LevelsPoint extends SignalLevels {
  /** Media seconds (stream time for live sources) the figures belong to. */
  readonly t: number;
}

/** Where a worker hands its jobs' levels (the local dashboard); on AWS nobody listens and none are kept. */
export interface LevelsSink {
  /** `mediaDuration` is the source's length when known (files), so a reader can show progress. */
  record(jobId: string, point: LevelsPoint, mediaDuration?: number): void;
  /** The job's analysis ended (any way): forget its levels. */
  end(jobId: string): void;
}

/** The latest figures of a set of detectors, merged. */
export function readLevels(detectors: readonly { levels?(): SignalLevels }[]): SignalLevels {
  let merged: SignalLevels = {};
  for (const detector of detectors) {
    const levels = detector.levels?.();
    if (levels) merged = { ...merged, ...levels };
  }
  return merged;
}
