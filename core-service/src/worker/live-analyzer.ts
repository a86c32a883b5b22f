import type { DetectorName } from "../domain/defect.ts";
import { alertId } from "../domain/events.ts";
import type { LiveProfile, LiveResumeState, QueueMessage } from "../domain/job.ts";
import type { AnalysisLimits } from "../domain/limits.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import { analyzeLive } from "../live/analyze-live.ts";
import type {
  LiveDetectorEvent,
  LiveOptions,
  LiveStats,
  LiveSummary,
  ReconnectPolicy,
} from "../live/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { HttpProxyProvider, SourcePreparer } from "./analyzer.ts";

export interface LiveAnalyzerRun {
  readonly detectors: readonly DetectorName[];
  readonly signal: AbortSignal;
  /** Seconds left before the job's maximum duration; undefined = until stopped. */
  readonly maxDuration: number | undefined;
  readonly stallAfter: number;
  readonly reconnect: Partial<ReconnectPolicy>;
  /** The job's own `live.profile`, else the worker's AVMON_LIVE_PROFILE. */
  readonly profile: LiveProfile;
  readonly resumeState: LiveResumeState | undefined;
  readonly onDetectorEvent: (event: LiveDetectorEvent) => Promise<void>;
  readonly onStats: (stats: LiveStats) => void;
  /** Told about each ffmpeg process of the job, to count its CPU. */
  readonly onProcess?: LiveOptions["onProcess"];
  /** Keeps each defect's evidence image; its Defect Detected then carries `evidence`. */
  readonly evidence?: EvidenceKeeper<LiveDetectorEvent>;
  readonly logger: Logger;
}

/** Follows one live job's stream; the worker's only dependency on the live engine, so tests can pass a fake. */
export type LiveAnalyzer = (message: QueueMessage, run: LiveAnalyzerRun) => Promise<LiveSummary>;

export interface LiveMediaAnalyzerOptions {
  /** The SSRF guard on AWS: checks (or rewrites) the source right before it is opened. */
  readonly prepareSource?: SourcePreparer;
  /** The guarded proxy on AWS, for the playlists and segments ffmpeg fetches after the first URL. */
  readonly httpProxy?: HttpProxyProvider;
  /** Told each ffmpeg's pid, for supervision. */
  readonly onProcess?: (pid: number | undefined) => void;
  /** The settings' decode budget (config.analysisLimits); a stream over it fails as LIMIT_REACHED. */
  readonly limits?: Pick<AnalysisLimits, "maxPixels">;
}

/** The real live engine (HLS, RTMP, SRT, MPEG-TS), with the protocol allow-list of `resolveSource`. */
export function liveMediaAnalyzer(options: LiveMediaAnalyzerOptions = {}): LiveAnalyzer {
  return async (message, run) => {
    const source = options.prepareSource
      ? await options.prepareSource(message.source, run.signal)
      : message.source;
    return analyzeLive(source, {
      detectors: run.detectors,
      thresholds: message.thresholds,
      streamThresholds: { stallAfter: run.stallAfter },
      reconnect: run.reconnect,
      profile: run.profile,
      maxDuration: run.maxDuration,
      signal: run.signal,
      resumeState: run.resumeState,
      // Derived from the job and the defect: a duplicated or redelivered run re-announces nothing new.
      alertIdOf: (defect) => alertId(message.jobId, defect),
      onDetectorEvent: run.onDetectorEvent,
      onStats: run.onStats,
      evidence: run.evidence,
      logger: run.logger,
      httpProxy: await options.httpProxy?.(),
      onProcess: (process) => {
        options.onProcess?.(process.pid);
        run.onProcess?.(process);
      },
      maxPixels: options.limits?.maxPixels,
    });
  };
}
