/**
 * Everything that outlives one connection of a live job: the detectors (so a defect stays open across a
 * reconnect), the continuous timeline, the stream-level detectors, the open alerts and the counters. Holds no
 * history: memory is the same after twelve hours as after twelve minutes.
 */
import type {
  AudioVideoDetector,
  CaptionDetector,
  Detector,
  DetectorEvent,
  LumaFrame,
} from "../detectors/types.ts";
import type { Defect, DefectType } from "../domain/defect.ts";
import type { EvidenceImage } from "../domain/evidence.ts";
import { readLevels } from "../domain/signal-levels.ts";
import { EvidenceRecorder } from "../evidence/evidence-recorder.ts";
import { channelNames } from "../media/channel-layout.ts";
import type { FramecrcPacket } from "../media/framecrc-lines.ts";
import type { SegmentSpan } from "../media/hls-playlist.ts";
import type { TimedPacket } from "../media/packet-pairer.ts";
import type { MediaInfo } from "../media/probe.ts";
import type { SegmentFailure } from "../media/segment-failures.ts";
import { UnwatchedSegments } from "../pipeline/unwatched-segments.ts";
import { AlertBook } from "./alert-book.ts";
import type { LiveConnectionSink } from "./live-connection.ts";
import { StreamHealth } from "./stream-health.ts";
import { type MediaKind, StreamTimeline } from "./timeline.ts";
import type { LiveDetectorEvent, LiveResumeState, LiveStats, StreamThresholds } from "./types.ts";

/** Stream seconds a resumed defect has to be re-detected (the slowest detector, loudness, needs 10 s). */
const RESUME_GRACE_SECONDS = 15;
/**
 * Wall time an event waits for the picture at its onset: pictures arrive in real time, two a second, so only a
 * stream that stopped sending video right after the onset makes it wait this long (then it takes the last one).
 */
const EVIDENCE_WAIT_MS = 3000;

export interface LiveSessionOptions {
  readonly detectors: readonly Detector[];
  readonly thresholds: StreamThresholds;
  readonly resume?: LiveResumeState;
  readonly alertIdOf: (defect: Defect) => string;
  /** Each event in order; a defect's first event with its evidence image when evidence is made. */
  readonly emit: (event: LiveDetectorEvent, image?: EvidenceImage) => void;
  readonly nowMs: () => number;
  /** Make evidence: events then wait (briefly, in order) for the picture at their onset. */
  readonly evidence?: boolean;
  /** Finds a skipped HLS segment in the current playlist (HLS sources only); rejects once the job has ended. */
  readonly locateSegment?: (failure: SegmentFailure) => Promise<SegmentSpan | undefined>;
}

export class LiveSession {
  private readonly timeline: StreamTimeline;
  private readonly health: StreamHealth;
  private readonly alerts: AlertBook;
  private readonly evidence: EvidenceRecorder<LiveDetectorEvent> | undefined;
  private readonly unwatched = new UnwatchedSegments();
  /** Every detector (the video ones replaced at each economy escalation, replaceVideoDetectors). */
  private detectors: Detector[];
  private analysis: Detector[];
  private native: Detector[];
  private readonly audio: Detector[];
  private readonly captions: CaptionDetector[];
  private readonly audioVideo: AudioVideoDetector[];
  /**
   * The stream clocks: each kind's packets as ffmpeg read them (LIVE_PIPES.clocks), on a timeline of their own
   * (the same rules as the decoded media's, so the same times), for the clock detectors.
   */
  private readonly clockTimeline: StreamTimeline;
  /** Counts the times the stream clocks started afresh (connections, jumps): times across one do not compare. */
  private epoch = 0;
  /** Wall-clock ms of the latest packet. */
  private lastPacketMs: number | undefined;
  private firstTime: number | undefined;
  private lagBaselineMs = Number.POSITIVE_INFINITY;
  private lagMs = 0;
  /** Decoders complain about every picture before the first keyframe of a connection: joining, not damage. */
  private pictureSinceConnect = false;
  /** A video packet of this connection has been placed on the timeline (pictureTime can map raw times). */
  private videoSinceConnect = false;
  videoFrames = 0;
  audioSeconds = 0;
  reconnects = 0;
  connectedNow = false;
  readonly watchGapSeconds: number;

  constructor(private readonly options: LiveSessionOptions) {
    const now = options.nowMs();
    const resume = options.resume;
    const lastWallMs = resume?.lastSeenAt ? Date.parse(resume.lastSeenAt) : undefined;
    const resumed = { lastTime: resume?.lastStreamTime, lastWallMs, offsets: resume?.timelineOffsets };
    this.timeline = new StreamTimeline(options.thresholds.jumpTolerance, resumed);
    this.clockTimeline = new StreamTimeline(options.thresholds.jumpTolerance, resumed);
    // Counting the silence from the previous worker's last media makes the gap in watching a `stall`. A fresh
    // job gets one more stallAfter before its first media: probing and waiting for a keyframe take a while.
    const quietSince = lastWallMs ?? now + options.thresholds.stallAfter * 1000;
    this.health = new StreamHealth(options.thresholds, quietSince, resume?.lastStreamTime ?? 0);
    this.watchGapSeconds = lastWallMs === undefined ? 0 : Math.max(0, (now - lastWallMs) / 1000);
    this.alerts = new AlertBook(options.alertIdOf, resume?.openDefects);
    this.evidence = options.evidence
      ? new EvidenceRecorder({ pictures: true, nowMs: options.nowMs })
      : undefined;
    this.detectors = [...options.detectors];
    this.analysis = options.detectors.filter((d) => d.input === "analysis-video");
    this.native = options.detectors.filter((d) => d.input === "native-video");
    this.audio = options.detectors.filter((d) => d.input === "audio");
    this.captions = options.detectors.filter((d): d is CaptionDetector => d.input === "captions");
    for (const { defect } of resume?.openDefects ?? [])
      if (defect.type === "captions-lost") for (const d of this.captions) d.resumeLoss(defect.start);
    this.audioVideo = options.detectors.filter((d): d is AudioVideoDetector => d.input === "audio-video");
  }

  get counts(): { opened: number; closed: number } {
    return { opened: this.alerts.opened, closed: this.alerts.closed };
  }

  silenceMs(): number {
    return this.health.silenceMs(this.options.nowMs());
  }

  /** A new ffmpeg is about to deliver media. */
  connected(): void {
    this.timeline.reconnected();
    this.clockTimeline.reconnected();
    this.health.reconnected();
    this.epoch++;
    this.lagBaselineMs = Number.POSITIVE_INFINITY;
    this.pictureSinceConnect = false;
    this.videoSinceConnect = false;
  }

  sink(media: MediaInfo, analysisSize?: { width: number; height: number }): LiveConnectionSink {
    const video = media.video;
    const audio = media.audio;
    const names = audio ? channelNames(audio.channelLayout, audio.channels) : [];
    const frame = (
      packet: TimedPacket,
      size: { width: number; height: number },
      range: LumaFrame["range"],
      time: number,
    ): LumaFrame => ({
      index: this.videoFrames,
      time,
      width: size.width,
      height: size.height,
      data: packet.data,
      range,
    });
    return {
      analysisFrame: (packet) => {
        const time = this.arrive("video", packet);
        this.pictureSinceConnect = true;
        const range = video?.range ?? "limited";
        const picture = analysisSize && lumaFrame(packet, analysisSize, range, time, this.videoFrames);
        if (picture) this.analysePicture(picture, { withAudioVideo: true });
        this.videoFrames++;
      },
      nativeFrame: (packet) => {
        const time = this.timeline.lastTimeOf("video") ?? 0;
        if (video) this.analyseNative(frame(packet, video, video.range, time));
      },
      audio: (packet) => {
        if (!audio) return;
        const time = this.arrive("audio", packet);
        const samples = new Float32Array(
          packet.data.buffer,
          packet.data.byteOffset,
          packet.data.byteLength / 4,
        );
        this.audioSeconds += samples.length / audio.channels / audio.sampleRate;
        const chunk = {
          time,
          sampleRate: audio.sampleRate,
          channels: audio.channels,
          channelNames: names,
          samples,
        };
        this.evidence?.sound(chunk);
        this.detect(this.audio, (d) => (d.input === "audio" ? d.push(chunk) : []));
        this.detect(this.captions, (d) => d.push(chunk));
        this.detect(this.audioVideo, (d) => d.pushAudio(chunk));
      },
      segmentFailed: (failure) => {
        // It would have played next: at the live edge, where the stream is now.
        const at = this.timeline.latest() ?? 0;
        const locating = this.options.locateSegment?.(failure) ?? Promise.resolve(undefined);
        // A lookup that rejects was cut short by the end of the job: there is nobody left to tell.
        locating.then(
          (span) => this.deliver(this.unwatched.failed(failure, at, span)),
          () => {},
        );
      },
      evidencePicture: (packet) => this.evidencePicture(packet, analysisSize),
      captions: () => {
        // Named just before its picture arrives: the picture before it is where the stream is.
        const time = this.timeline.lastTimeOf("video");
        if (time === undefined) return;
        this.detect(this.captions, (d) => d.pushCaptions({ time }));
      },
      decodeError: (message) => {
        if (!this.pictureSinceConnect) return;
        this.decoderComplaint(message, this.timeline.lastTimeOf("video") ?? 0);
      },
      clockPacket: (kind, packet) => this.clockPacket(kind, packet),
    };
  }

  /** A picture for the picture detectors, at its place on the timeline. */
  analysePicture(picture: LumaFrame, { withAudioVideo }: { withAudioVideo: boolean }): void {
    this.detect(this.analysis, (d) => pushFrame(d, picture));
    this.detect(this.native, (d) => (d.input === "native-video" ? (d.pushAnalysis?.(picture) ?? []) : []));
    if (withAudioVideo) this.detect(this.audioVideo, (d) => d.pushPicture(picture));
  }

  /** A small colour picture for evidence, timed by its raw pts. */
  evidencePicture(packet: TimedPacket, size: { width: number; height: number } | undefined): void {
    if (!this.evidence || !size) return;
    // On the video timeline as it stands (offsets change only at a jump), without moving it.
    const time = packet.time + this.timeline.offsets().video;
    this.emitReleased(this.evidence.picture({ time, ...size, jpeg: packet.data }));
  }

  /** A native-resolution picture for block corruption. */
  analyseNative(picture: LumaFrame): void {
    this.detect(this.native, (d) => pushFrame(d, picture));
  }

  decoderComplaint(message: string, time: number): void {
    this.detect(this.native, (d) => (d.input === "native-video" ? d.pushDecodeError({ time, message }) : []));
  }

  /**
   * Economy: a copied video packet (raw pts) drives the video timeline and stream health, as decoded pictures do
   * under the full profile.
   */
  videoPacket(time: number, duration: number): void {
    this.arrive("video", { time, duration, data: EMPTY });
  }

  /** Economy: a keyframe picture arrived (decoder complaints count from here, as after a full decode's first). */
  keyframeArrived(): void {
    this.pictureSinceConnect = true;
  }

  /** Where a raw video time of this connection lies on the timeline; undefined before its first video packet. */
  pictureTime(raw: number): number | undefined {
    return this.videoSinceConnect ? raw + this.timeline.offsets().video : undefined;
  }

  /** Stream time of the latest media. */
  streamTime(): number | undefined {
    return this.timeline.latest();
  }

  /** An open black, freeze or block-corruption alert: the picture detectors must keep seeing every picture. */
  hasOpenPictureDefect(): boolean {
    return this.alerts.openAlerts().some((a) => PICTURE_DEFECTS.has(a.defect.type));
  }

  /** Economy escalation: fresh picture detectors, so none sees time go back to the replayed keyframe. */
  replaceVideoDetectors(fresh: readonly Detector[]): void {
    const isVideo = (d: Detector) => d.input === "analysis-video" || d.input === "native-video";
    this.detectors = [...this.detectors.filter((d) => !isVideo(d)), ...fresh.filter(isVideo)];
    this.analysis = fresh.filter((d) => d.input === "analysis-video");
    this.native = fresh.filter((d) => d.input === "native-video");
  }

  /** Wall-clock duties: the stall detector, and resumed defects nobody saw again. */
  tick(): void {
    this.deliver(this.health.tick(this.options.nowMs()));
    if (this.evidence) this.emitReleased(this.evidence.overdue(EVIDENCE_WAIT_MS));
    const latest = this.timeline.latest();
    if (
      this.firstTime !== undefined &&
      latest !== undefined &&
      latest - this.firstTime >= RESUME_GRACE_SECONDS
    )
      this.expireResumed(() => true, this.firstTime);
  }

  stats(framesPerSecond: number): LiveStats {
    return {
      lagSeconds: Math.max(0, this.lagMs / 1000),
      framesPerSecond,
      openDefects: this.alerts.openAlerts().map((a) => a.defect),
      connected: this.connectedNow,
      reconnects: this.reconnects,
      streamTime: this.timeline.latest(),
      levels: readLevels(this.detectors),
      profile: "full",
    };
  }

  /** The job ends for good: every detector is flushed and every alert still open is closed. */
  closeEverything(): void {
    const end = this.timeline.latest() ?? 0;
    this.deliver([...this.unwatched.finish(), ...this.detectors.flatMap((d) => d.flush(end))]);
    const endedAt = new Date(this.options.nowMs()).toISOString();
    this.emit(this.alerts.closeAll(end, endedAt));
    this.releaseWaiting();
  }

  /** Watching ends (any way): events still waiting for a picture go now, with the best one there is. */
  releaseWaiting(): void {
    if (this.evidence) this.emitReleased(this.evidence.drain());
  }

  resumeState(): LiveResumeState {
    return {
      openDefects: this.alerts.openAlerts(),
      lastStreamTime: this.timeline.latest(),
      lastSeenAt: this.lastPacketMs === undefined ? undefined : new Date(this.lastPacketMs).toISOString(),
      timelineOffsets: this.timeline.offsets(),
    };
  }

  private arrive(kind: MediaKind, packet: TimedPacket): number {
    const nowMs = this.options.nowMs();
    const placed = this.timeline.place(kind, packet.time, packet.duration, nowMs);
    this.lastPacketMs = nowMs;
    if (kind === "video") this.videoSinceConnect = true;
    const offsetMs = nowMs - placed.time * 1000;
    this.lagBaselineMs = Math.min(this.lagBaselineMs, offsetMs);
    this.lagMs = offsetMs - this.lagBaselineMs;
    if (this.firstTime === undefined) {
      this.firstTime = placed.time;
      this.expireResumed((type) => type === "stall", placed.time);
    }
    this.deliver([
      ...this.unwatched.progress(placed.time),
      ...this.health.packet(kind, placed.time, nowMs, placed.jump),
    ]);
    return placed.time;
  }

  /** A packet as ffmpeg read it: when it arrived, against its timestamp, for the A/V drift of the clocks. */
  private clockPacket(kind: MediaKind, packet: FramecrcPacket): void {
    const nowMs = this.options.nowMs();
    const placed = this.clockTimeline.place(kind, packet.time, packet.duration, nowMs);
    if (placed.jump !== undefined) this.epoch++;
    const arrival = { kind, time: placed.time, wallMs: nowMs, epoch: this.epoch };
    this.detect(this.audioVideo, (d) => d.pushArrival(arrival));
  }

  private detect<D extends Detector>(detectors: readonly D[], push: (d: D) => DetectorEvent[]): void {
    if (detectors.length) this.deliver(detectors.flatMap(push));
  }

  private deliver(events: readonly DetectorEvent[]): void {
    for (const event of events)
      this.emit(this.alerts.record(this.stampOnset(event)).map((e) => this.stampEnd(e)));
  }

  /** Every event leaves through here, so none overtakes one that waits for its picture. */
  private emit(events: readonly LiveDetectorEvent[]): void {
    if (!this.evidence) for (const event of events) this.options.emit(event);
    else this.emitReleased(this.evidence.admit(events));
  }

  private emitReleased(released: readonly { event: LiveDetectorEvent; image?: EvidenceImage }[]): void {
    for (const { event, image } of released) this.options.emit(event, image);
  }

  private expireResumed(types: (type: DefectType) => boolean, end: number): void {
    if (!this.alerts.hasUnconfirmed()) return;
    const endedAt = this.wallAt(end);
    this.emit(this.alerts.expireResumed(types, end, endedAt));
  }

  /** Picture and sound detectors know stream times only; live defects also say when, by the wall clock. */
  private stampOnset(event: DetectorEvent): DetectorEvent {
    if (event.kind !== "open") return event;
    const defect = event.defect;
    return { kind: "open", defect: { ...defect, startedAt: defect.startedAt ?? this.wallAt(defect.start) } };
  }

  /**
   * A close is stamped once the alert book has given it its open's onset. The stream's timeline keeps time
   * with the wall clock, so a defect lasts as long on both: ended from that onset, not mapped afresh, which a
   * lag baseline that has moved since the onset would put off by as much (CI read 3.2 s for a 4 s HLS freeze
   * when the close's end was reckoned from its own re-mapped onset and the open's onset was put back on it).
   */
  private stampEnd(event: LiveDetectorEvent): LiveDetectorEvent {
    if (event.kind !== "close") return event;
    const { start, end } = event.defect;
    const startedAt = event.defect.startedAt ?? this.wallAt(start);
    const endedAt =
      event.defect.endedAt ?? new Date(Date.parse(startedAt) + (end - start) * 1000).toISOString();
    return { ...event, defect: { ...event.defect, startedAt, endedAt } };
  }

  /**
   * The wall-clock time of a stream time as the stream reached us soonest since this connection began (the lag
   * baseline). Not from the latest packet: HLS arrives a segment at a time and is decoded faster than real time,
   * so the same instant would be put up to a segment apart depending on where in its segment each event was
   * seen, and a busy machine adds its own delays (CI read 3.43 s between the wall times of a 4 s freeze).
   */
  private wallAt(time: number): string {
    const offsetMs = Number.isFinite(this.lagBaselineMs)
      ? this.lagBaselineMs
      : this.options.nowMs() - time * 1000;
    return new Date(time * 1000 + offsetMs).toISOString();
  }
}

const EMPTY = new Uint8Array(0);
/** The defects only full decode can follow: while one is open an economy stream stays escalated. */
const PICTURE_DEFECTS: ReadonlySet<DefectType> = new Set(["black", "freeze", "blockiness"]);

/** A luma picture of `size` from a packet; undefined when the packet is not one picture of that size. */
export function lumaFrame(
  packet: TimedPacket,
  size: { width: number; height: number },
  range: LumaFrame["range"],
  time: number,
  index = 0,
): LumaFrame | undefined {
  if (packet.data.length !== size.width * size.height) return undefined;
  return { index, time, width: size.width, height: size.height, data: packet.data, range };
}

function pushFrame(detector: Detector, frame: LumaFrame): DetectorEvent[] {
  return detector.input === "analysis-video" || detector.input === "native-video" ? detector.push(frame) : [];
}
