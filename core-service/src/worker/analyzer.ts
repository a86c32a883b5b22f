import type { DetectorName } from "../domain/defect.ts";
import type { QueueMessage } from "../domain/job.ts";
import type { AnalysisLimits } from "../domain/limits.ts";
import type { Report } from "../domain/report.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import { analyzeSource } from "../pipeline/analyze.ts";
import type { AnalysisEvent, LevelsListener } from "../pipeline/detector-set.ts";

export interface AnalyzerRun {
  readonly detectors: readonly DetectorName[];
  readonly signal: AbortSignal;
  /** A returned promise holds decoding back until it settles: the bus's backpressure reaches ffmpeg. */
  readonly onDetectorEvent: (event: AnalysisEvent) => Promise<void>;
  /** The detectors' levels once per media second, when someone watches (the local dashboard). */
  readonly onLevels?: LevelsListener;
  /** Keeps each defect's evidence image; its first event then carries `evidence`. */
  readonly evidence?: EvidenceKeeper;
}

/** Analyses one job's source; the worker's only dependency on the media pipeline, so tests can pass a fake. */
export type Analyzer = (message: QueueMessage, run: AnalyzerRun) => Promise<Report>;

/**
 * Turns a job's source into what is actually opened, right before it is opened (an S3 object into a presigned
 * URL, a URL re-checked against the SSRF guard). Throws an AvmonError to refuse the source.
 */
export type SourcePreparer = (source: string, signal: AbortSignal) => Promise<string>;

/** The URL of the proxy ffmpeg's HTTP(S) requests go through; called per job, so the proxy can start lazily. */
export type HttpProxyProvider = () => Promise<string>;

export interface MediaAnalyzerOptions {
  /** Local files are allowed only by the local stack, never by the container on AWS. */
  readonly allowLocalFiles: boolean;
  readonly prepareSource?: SourcePreparer;
  readonly httpProxy?: HttpProxyProvider;
  /** The settings' limits (config.analysisLimits); a job past one fails as LIMIT_REACHED or STALLED. */
  readonly limits: AnalysisLimits;
}

/** The real engine. */
export function mediaAnalyzer(options: MediaAnalyzerOptions): Analyzer {
  return async (message, run) => {
    const input = options.prepareSource
      ? await options.prepareSource(message.source, run.signal)
      : message.source;
    const report = await analyzeSource(input, {
      detectors: run.detectors,
      thresholds: message.thresholds,
      allowLocalFiles: options.allowLocalFiles,
      httpProxy: await options.httpProxy?.(),
      signal: run.signal,
      onDetectorEvent: run.onDetectorEvent,
      onLevels: run.onLevels,
      limits: options.limits,
      evidence: run.evidence,
    });
    // The report names what the user asked for, never a presigned URL (a credential until it expires).
    return { ...report, source: message.source };
  };
}
