/**
 * The live analysis engine: follows one live source until stopped (signal) or `maxDuration`, reconnecting with
 * exponential backoff whenever ffmpeg ends or the stream stalls, and reports defects as they open and close.
 *
 * Alert latency: a frame is handed to the detectors as soon as ffmpeg has decoded it (no pipe or muxer
 * buffering, no backpressure from listeners), so an `open` leaves within a frame of the defect reaching its
 * minimum duration, plus the source's own delivery delay (for HLS: up to one segment and one playlist reload).
 *
 * Under `profile: "economy"` (economy-watch.ts) a connection decodes keyframes only while the stream looks
 * healthy and a second ffmpeg decodes every picture while it does not; a picture defect is then alerted up to
 * about two GOPs later than under `full` (a keyframe's picture leaves the decoder two keyframes late, see
 * ts-gop-buffer.ts), with the same onset and end.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { loudnessSummary } from "../detectors/loudness.ts";
import { ALL_DETECTORS, createDetectors, detectorSummaries, parseThresholds } from "../detectors/registry.ts";
import type { Detector } from "../detectors/types.ts";
import { backoffDelay } from "../domain/backoff.ts";
import { SourceUnreachableError } from "../domain/errors.ts";
import { alertId } from "../domain/events.ts";
import type { EvidenceImage } from "../domain/evidence.ts";
import { DEFAULT_ANALYSIS_LIMITS } from "../domain/limits.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import { silentLogger } from "../logging/logger.ts";
import { EVIDENCE_PICTURES_PER_SECOND } from "../media/evidence-pictures.ts";
import type { MediaInfo } from "../media/probe.ts";
import { SegmentLocator } from "../media/segment-failures.ts";
import type { ResolvedSource } from "../media/source.ts";
import { resolveSupportedSource } from "../media/source-support.ts";
import { overPictureBudget } from "../pipeline/analysis-limits.ts";
import { analysisSize } from "../pipeline/analyze.ts";
import { EconomyWatch } from "./economy-watch.ts";
import { FrameRate } from "./frame-rate.ts";
import { isHls, type LivePlan, type ProbeWindow, probeWindowSeconds } from "./live-args.ts";
import { type ConnectionEnd, type LiveConnection, openLiveConnection } from "./live-connection.ts";
import { probeLive } from "./live-probe.ts";
import { LiveSession } from "./live-session.ts";
import {
  type LiveDetectorEvent,
  type LiveEndReason,
  type LiveOptions,
  type LiveSummary,
  ReconnectPolicy,
  StreamThresholds,
} from "./types.ts";

/** How often the stall detector and the stats look at the clock. */
const TICK_MS = 200;
/**
 * Native-resolution pictures per second for block corruption. Corruption lasts at least a GOP's worth of
 * frames, so 2/s still sees it within a second, at 40 % of the cost of the file path's 5/s (the largest
 * per-stream cost in Node: each picture is the full frame).
 */
const NATIVE_FRAMES_PER_SECOND = 2;

export async function analyzeLive(source: string, options: LiveOptions): Promise<LiveSummary> {
  const started = Date.now();
  const resolved = await resolveSupportedSource(source, {
    allowLocalFiles: false,
    live: true,
    httpProxy: options.httpProxy,
  });
  const thresholds = StreamThresholds.parse(options.streamThresholds ?? {});
  const policy = ReconnectPolicy.parse(options.reconnect ?? {});
  const detectors = createDetectors(options.detectors ?? ALL_DETECTORS, options.thresholds);
  const logger = options.logger ?? silentLogger;
  const delivery = new OrderedDelivery(options.onDetectorEvent, options.evidence, (error) =>
    logger.warn("live event listener failed", { error }),
  );
  const locator = isHls(resolved) ? new SegmentLocator(resolved, { live: true }) : undefined;
  const stop = new AbortController();
  const session = new LiveSession({
    detectors,
    thresholds,
    resume: options.resumeState,
    alertIdOf: options.alertIdOf ?? ((defect) => alertId(source, defect)),
    emit: (event, image) => delivery.push(event, image),
    nowMs: Date.now,
    evidence: options.evidence !== undefined,
    ...(locator && {
      locateSegment: async (failure) => {
        const span = await locator.span(failure, stop.signal);
        stop.signal.throwIfAborted();
        return span;
      },
    }),
  });

  const ending: { reason: LiveEndReason } = { reason: "aborted" };
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const maxTimer =
    options.maxDuration === undefined
      ? undefined
      : setTimeout(() => {
          ending.reason = "max-duration";
          stop.abort();
        }, options.maxDuration * 1000);
  const economy =
    options.profile === "economy"
      ? new EconomyWatch({
          session,
          thresholds: parseThresholds(options.thresholds),
          freshDetectors: () => createDetectors(options.detectors ?? ALL_DETECTORS, options.thresholds),
          jumpTolerance: thresholds.jumpTolerance,
          logger,
          onProcess: options.onProcess,
        })
      : undefined;
  let tickFailure: { error: unknown } | undefined;
  const ticker = startTicker(session, economy, options, (error) => {
    tickFailure ??= { error };
    stop.abort();
  });

  try {
    await follow(resolved, { detectors, session, economy }, thresholds, policy, stop.signal, options);
    if (tickFailure) throw tickFailure.error;
  } finally {
    clearInterval(ticker);
    clearTimeout(maxTimer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (ending.reason === "max-duration") session.closeEverything();
  session.releaseWaiting();
  await delivery.drained();
  const loudness = loudnessSummary(detectorSummaries(detectors));
  return {
    source,
    endReason: ending.reason,
    wallSeconds: (Date.now() - started) / 1000,
    videoFrames: session.videoFrames,
    audioSeconds: Math.round(session.audioSeconds * 1000) / 1000,
    reconnects: session.reconnects,
    defectsOpened: session.counts.opened,
    defectsClosed: session.counts.closed,
    watchGapSeconds: Math.round(session.watchGapSeconds * 1000) / 1000,
    resumeState: session.resumeState(),
    ...(loudness && { loudness }),
  };
}

/** Connects, watches, and reconnects with backoff until stopped. */
async function follow(
  source: ResolvedSource,
  watching: Watching,
  thresholds: StreamThresholds,
  policy: ReconnectPolicy,
  signal: AbortSignal,
  options: LiveOptions,
): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    const { session } = watching;
    const framesBefore = session.videoFrames;
    const secondsBefore = session.audioSeconds;
    const failure = await watchOnce(source, watching, thresholds, signal, options).catch((error: unknown) => {
      if (!signal.aborted) options.logger?.warn("live connection failed", { source: source.original, error });
      return undefined;
    });
    // The analysis itself failed (a detector threw): another connection would fail the same way.
    if (failure) throw failure.error;
    if (signal.aborted) return;
    const gotMedia = session.videoFrames > framesBefore || session.audioSeconds > secondsBefore;
    failures = gotMedia ? 1 : failures + 1;
    if (policy.maxAttempts !== undefined && failures > policy.maxAttempts)
      throw new SourceUnreachableError(`${source.original}: gave up after ${policy.maxAttempts} reconnects`);
    const delay = backoffDelay(policy, failures);
    session.reconnects++;
    options.onReconnect?.(session.reconnects, delay);
    await sleep(delay * 1000, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * One probe + one ffmpeg, until ffmpeg ends, the stream stalls, or the job is stopped. Returns the analysis's
 * own failure, if that is what ended it; throws when the source could not be opened.
 */
async function watchOnce(
  source: ResolvedSource,
  watching: Watching,
  thresholds: StreamThresholds,
  signal: AbortSignal,
  options: LiveOptions,
): Promise<ConnectionEnd["failure"]> {
  const { detectors, session, economy } = watching;
  const maxPixels = options.maxPixels ?? DEFAULT_ANALYSIS_LIMITS.maxPixels;
  const probe = await probeLive(source, thresholds.stallAfter, signal, { maxPixels, known: watching.media });
  if (signal.aborted) return undefined;
  const media = probe.media;
  watching.media = media;
  // Pictures over the decode budget stay over it: the analysis ends (LIMIT_REACHED) instead of reconnecting.
  const refusal = overPictureBudget(media, { maxPixels }, source.original);
  if (refusal) return { error: refusal };
  const plan = livePlan(media, detectors, thresholds, {
    maxPixels,
    evidence: options.evidence !== undefined,
    economy: economy?.usable(media) ?? false,
    probeWindow: probe.window,
  });
  session.connected();
  const fullSink = session.sink(media, plan.analysisSize);
  let connection: LiveConnection | undefined;
  const sink = plan.economy
    ? (economy as EconomyWatch).connect(fullSink, media, plan, () => connection?.close())
    : fullSink;
  connection = openLiveConnection(source, media, plan, sink);
  options.onProcess?.({ pid: connection.pid, exited: connection.ended.then(() => undefined) });
  session.connectedNow = true;
  const openedAt = Date.now();
  // A new connection reads up to its probe window before its first output (and, joined between keyframes,
  // up to a GOP more): replacing it sooner would only start the wait again.
  const startUpMs = probeWindowSeconds(plan.probeWindow) * 1000;
  const watchdog = setInterval(() => {
    // A connection that delivers nothing for stallAfter is replaced, whatever ffmpeg thinks of it.
    const sinceOpenMs = Date.now() - openedAt;
    const silenceMs = session.silenceMs();
    const deliveredYet = silenceMs < sinceOpenMs;
    const quietMs = deliveredYet ? silenceMs : sinceOpenMs;
    if (quietMs >= thresholds.stallAfter * 1000 + (deliveredYet ? 0 : startUpMs)) connection.close();
  }, TICK_MS);
  const onAbort = () => connection.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const end = await connection.ended;
    // The escalation decoder goes with its connection; what a detector threw in it fails the analysis.
    const decoderFailure = await economy?.disconnect();
    if (end.failure) return end.failure;
    if (decoderFailure) return decoderFailure;
    if (!signal.aborted)
      options.logger?.info("live connection ended", { code: end.code, stderr: end.stderrTail.slice(-500) });
    return undefined;
  } finally {
    clearInterval(watchdog);
    signal.removeEventListener("abort", onAbort);
    await economy?.disconnect();
    session.connectedNow = false;
  }
}

function livePlan(
  media: MediaInfo,
  detectors: readonly Detector[],
  thresholds: StreamThresholds,
  {
    maxPixels,
    evidence,
    economy,
    probeWindow,
  }: { maxPixels: number; evidence: boolean; economy: boolean; probeWindow: ProbeWindow },
): LivePlan {
  const wants = (input: Detector["input"]) => detectors.some((d) => d.input === input);
  const video = media.video;
  const size = video ? analysisSize(video.width, video.height) : undefined;
  return {
    // Analysis frames also carry the video timeline for the stream-level detectors, so they are always made.
    analysisSize: size,
    // Every live stream can stall or lose its picture, so with evidence there are always pictures.
    evidencePictures: evidence && size ? { ...size, perSecond: EVIDENCE_PICTURES_PER_SECOND } : undefined,
    nativeFramesPerSecond: video && wants("native-video") ? NATIVE_FRAMES_PER_SECOND : undefined,
    // Audio is decoded whatever the detectors, for audio-loss and the timeline.
    audio: Boolean(media.audio),
    captions: Boolean(video) && wants("captions"),
    clocks: Boolean(video && media.audio) && wants("audio-video"),
    readTimeout: thresholds.stallAfter,
    maxPixels,
    economy,
    // Decoded outputs learn a picture's size from the first one; economy's stream copy must know it before its
    // first packet, so it reads as far as its probe had to.
    probeWindow: economy ? probeWindow : "short",
  };
}

/** `onFailure`: what a stream-level detector or a stats listener threw; the analysis ends with it. */
function startTicker(
  session: LiveSession,
  economy: EconomyWatch | undefined,
  options: LiveOptions,
  onFailure: (error: unknown) => void,
): NodeJS.Timeout {
  const intervalMs = (options.statsInterval ?? 1) * 1000;
  const frameRate = new FrameRate(Date.now(), session.videoFrames);
  let lastStatsMs = Date.now();
  const tick = () => {
    session.tick();
    const now = Date.now();
    if (!options.onStats || now - lastStatsMs < intervalMs) return;
    lastStatsMs = now;
    const fps = frameRate.update(now, session.videoFrames);
    options.onStats({ ...session.stats(Math.round(fps * 10) / 10), ...economy?.stats() });
  };
  return setInterval(() => {
    try {
      tick();
    } catch (error) {
      onFailure(error);
    }
  }, TICK_MS);
}

/** What one job watches with, across its connections. */
interface Watching {
  readonly detectors: readonly Detector[];
  readonly session: LiveSession;
  readonly economy: EconomyWatch | undefined;
  /** What the latest connection's probe found: a reconnection's probe falls back on it (live-probe.ts). */
  media?: MediaInfo;
}

/**
 * Hands events to the listener one at a time, in order, without making decoding wait for it; an open's image
 * is kept first, so its Defect Detected can name it.
 */
class OrderedDelivery {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly listener: (event: LiveDetectorEvent) => void | Promise<void>,
    private readonly keep: EvidenceKeeper<LiveDetectorEvent> | undefined,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(event: LiveDetectorEvent, image?: EvidenceImage): void {
    this.chain = this.chain
      .then(async () => {
        // Only Defect Detected carries evidence; a close has nothing to show it on. A keeper that fails costs
        // the event its evidence, not the event.
        const evidence =
          image && event.kind === "open"
            ? await this.keep?.(event, image).catch((error: unknown) => void this.onError(error))
            : undefined;
        await this.listener(evidence ? { ...event, evidence } : event);
      })
      .catch(this.onError);
  }

  drained(): Promise<void> {
    return this.chain;
  }
}
