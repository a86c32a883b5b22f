import { z } from "zod";
import type { DetectorEvent } from "../detectors/types.ts";
import type { Defect, DetectorName } from "../domain/defect.ts";
import type { Evidence } from "../domain/evidence.ts";
import type { LiveProfile, LiveResumeState, Thresholds } from "../domain/job.ts";
import type { LoudnessSummary } from "../domain/report.ts";
import type { SignalLevels } from "../domain/signal-levels.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import type { Logger } from "../logging/logger.ts";

/** How a live source is re-opened after ffmpeg ends or the stream stalls. */
export const ReconnectPolicy = z
  .object({
    /** Wait before the first retry, in seconds. */
    initialDelay: z.number().min(0).default(0.5),
    /** Each failed attempt multiplies the wait by this. */
    factor: z.number().min(1).default(2),
    /** Upper bound of the wait, in seconds. */
    maxDelay: z.number().positive().default(10),
    /** Attempts in a row before giving up with SourceUnreachableError; absent = keep trying until stopped. */
    maxAttempts: z.number().int().positive().optional(),
  })
  .strict();
export type ReconnectPolicy = z.infer<typeof ReconnectPolicy>;

/**
 * Thresholds of the stream-level detectors, in seconds. `stallAfter` defaults to 5 s: long enough that an HLS
 * player reloading a 1–2 s playlist never trips it, short enough for a control room to act before viewers leave.
 */
export const StreamThresholds = z
  .object({
    /** No media at all for this long = `stall`; ffmpeg is restarted. */
    stallAfter: z.number().positive().default(5),
    /** One kind of media absent for this long of the other's stream time = `video-loss` / `audio-loss`. */
    lossAfter: z.number().positive().default(2),
    /** A timestamp jump larger than this (either way) = `discontinuity`. */
    jumpTolerance: z.number().positive().default(1),
  })
  .strict();
export type StreamThresholds = z.infer<typeof StreamThresholds>;

// The hand-off state travels in queue messages, so its schema belongs to the domain.
export { LiveResumeState } from "../domain/job.ts";

/** One defect that was open when a worker stopped watching, as a later worker needs it. */
export type ResumedDefect = LiveResumeState["openDefects"][number];

/**
 * A detector event with the stable id of the alert it belongs to (`open` and `close` of one defect share it),
 * and on an `open` its evidence when the analysis keeps evidence.
 */
export type LiveDetectorEvent = DetectorEvent & { readonly alertId: string; readonly evidence?: Evidence };

export interface LiveStats {
  /** Seconds the analysis runs behind the stream since this connection began (0 = keeping up). */
  readonly lagSeconds: number;
  /** Analysed video frames per second over the last few seconds (see live/frame-rate.ts). */
  readonly framesPerSecond: number;
  readonly openDefects: readonly Defect[];
  readonly connected: boolean;
  readonly reconnects: number;
  readonly streamTime: number | undefined;
  /** The detectors' latest levels (picture level, motion, loudness), for the dashboard's live tile. */
  readonly levels?: SignalLevels;
  /** The profile asked for; under `economy` a stream is decoded fully while `escalated`. */
  readonly profile: LiveProfile;
  /** Economy only: decoding every picture now (a suspicious sample or an open picture defect). */
  readonly escalated?: boolean;
  /** Economy only: times this stream went to full decode, and why it last did. */
  readonly escalations?: { readonly count: number; readonly lastCause?: EscalationCause };
}

/** What sent an economy stream to full decode. */
export type EscalationCause = "black" | "still" | "decoder-complaint" | "bitrate-collapse" | "open-defect";

export interface LiveOptions {
  readonly detectors?: readonly DetectorName[];
  /** Decode profile (default `full`). */
  readonly profile?: LiveProfile;
  readonly thresholds?: Thresholds;
  readonly streamThresholds?: Partial<StreamThresholds>;
  readonly reconnect?: Partial<ReconnectPolicy>;
  /** Stops following the stream after this many seconds of wall time (open defects are then closed). */
  readonly maxDuration?: number;
  /** Stops following the stream; open defects stay open in the summary's resumeState for the next worker. */
  readonly signal?: AbortSignal;
  /** Events are delivered in order; a slow listener does not hold up decoding. */
  readonly onDetectorEvent: (event: LiveDetectorEvent) => void | Promise<void>;
  /** Makes evidence of every defect from the same decode and keeps each open's image with this. */
  readonly evidence?: EvidenceKeeper<LiveDetectorEvent>;
  readonly onStats?: (stats: LiveStats) => void;
  /** Seconds between onStats calls. */
  readonly statsInterval?: number;
  readonly resumeState?: LiveResumeState;
  /**
   * The alertId of a defect: the job's (domain/events.ts alertId of the jobId and the defect) in the worker, so
   * two runs of one job name the same defect alike. Default: derived from the source the same way.
   */
  readonly alertIdOf?: (defect: Defect) => string;
  /** Told before each reconnect attempt, with the wait chosen by the backoff. */
  readonly onReconnect?: (attempt: number, delaySeconds: number) => void;
  /** Proxy for ffmpeg's HTTP(S) requests (the guarded proxy on AWS); none by default. */
  readonly httpProxy?: string;
  /**
   * The decode budget (AVMON_MAX_PIXELS): the probe and every connection refuse larger pictures, and a stream
   * whose pictures are larger ends the analysis as LIMIT_REACHED (reconnecting would not help). Default
   * DEFAULT_ANALYSIS_LIMITS.maxPixels.
   */
  readonly maxPixels?: number;
  /** Listener failures and reconnect reasons go here (default: silent). */
  readonly logger?: Logger;
  /** Told about each ffmpeg process (for supervision and tests); `exited` settles when it is gone. */
  readonly onProcess?: (process: { pid: number | undefined; exited: Promise<void> }) => void;
}

export type LiveEndReason = "aborted" | "max-duration";

export interface LiveSummary {
  readonly source: string;
  readonly endReason: LiveEndReason;
  readonly wallSeconds: number;
  readonly videoFrames: number;
  readonly audioSeconds: number;
  readonly reconnects: number;
  readonly defectsOpened: number;
  readonly defectsClosed: number;
  /** Seconds nobody watched between the previous worker's last media and this one's first. */
  readonly watchGapSeconds: number;
  /** For the next worker when the job was stopped for a hand-off. */
  readonly resumeState: LiveResumeState;
  /** The R128 figures of what this worker watched (a hand-off starts a new measurement); absent without loudness. */
  readonly loudness?: LoudnessSummary;
}
