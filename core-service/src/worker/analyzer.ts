import type { DetectorEvent } from "../detectors/types.ts";
import type { DetectorName } from "../domain/defect.ts";
import type { QueueMessage } from "../domain/job.ts";
import type { Report } from "../domain/report.ts";
import { analyzeSource } from "../pipeline/analyze.ts";

export interface AnalyzerRun {
  readonly detectors: readonly DetectorName[];
  readonly signal: AbortSignal;
  /** A returned promise holds decoding back until it settles: the bus's backpressure reaches ffmpeg. */
  readonly onDetectorEvent: (event: DetectorEvent) => Promise<void>;
}

/** Analyses one job's source; the worker's only dependency on the media pipeline, so tests can pass a fake. */
export type Analyzer = (message: QueueMessage, run: AnalyzerRun) => Promise<Report>;

/** The real engine. Local files are allowed only by the local stack, never by the container on AWS. */
export function mediaAnalyzer(options: { readonly allowLocalFiles: boolean }): Analyzer {
  return (message, run) =>
    analyzeSource(message.source, {
      detectors: run.detectors,
      thresholds: message.thresholds,
      allowLocalFiles: options.allowLocalFiles,
      signal: run.signal,
      onDetectorEvent: run.onDetectorEvent,
    });
}
