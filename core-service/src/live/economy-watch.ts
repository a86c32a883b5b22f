/**
 * The economy profile of one live job: while the stream looks healthy only keyframes are decoded (for the
 * suspicion rules, economy-suspicion.ts) and every copied video packet drives the timeline and stream health;
 * audio is decoded fully by the connection as in the full profile. A suspicious sample, or an open picture
 * defect, escalates the stream: a full decoder (economy-decoder.ts) starts from the buffered keyframe before
 * the suspicious one (ts-gop-buffer.ts) and its pictures go to fresh picture detectors, which time the defect
 * as the full profile does. Back to economy once no picture defect is open and QUIET_SECONDS of decoded
 * stream have passed without a suspicion.
 */
import type { Detector } from "../detectors/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { FramecrcPacket } from "../media/framecrc-lines.ts";
import type { TimedPacket } from "../media/packet-pairer.ts";
import type { MediaInfo, VideoStreamInfo } from "../media/probe.ts";
import { EconomyDecoder } from "./economy-decoder.ts";
import { EconomySuspicion, type Suspicion, type SuspicionThresholds } from "./economy-suspicion.ts";
import { ECONOMY_CODECS, type LivePlan } from "./live-args.ts";
import type { LiveConnectionSink } from "./live-connection.ts";
import { type LiveSession, lumaFrame } from "./live-session.ts";
import { TsGopBuffer } from "./ts-gop-buffer.ts";
import type { EscalationCause, LiveStats } from "./types.ts";

/**
 * Seconds of decoded stream with nothing suspicious (and no picture defect open) before full decode stops. Ten
 * seconds covers every picture detector's minimum duration (freeze 2 s, black 1 s) and its end rule several
 * times over, so a defect that flickers (black, picture, black) is followed by one escalation, not a string of
 * them, while a single false alarm costs only ten seconds of full decode.
 */
export const QUIET_SECONDS = 10;

export interface EconomyWatchOptions {
  readonly session: LiveSession;
  readonly thresholds: SuspicionThresholds;
  /** New picture detectors for an escalation (the video-input ones are taken). */
  readonly freshDetectors: () => readonly Detector[];
  /** Raw timestamps closer than this behind the newest are B-frame reordering, not a jump. */
  readonly jumpTolerance: number;
  readonly logger: Logger;
  readonly onProcess?: (process: { pid: number | undefined; exited: Promise<void> }) => void;
}

/** One connection's part of the watch. */
interface ConnectionState {
  readonly video: VideoStreamInfo;
  readonly plan: LivePlan;
  readonly buffer: TsGopBuffer;
  newestPts: number | undefined;
}

export class EconomyWatch {
  private readonly suspicion: EconomySuspicion;
  private connection: ConnectionState | undefined;
  private decoder: EconomyDecoder | undefined;
  private readonly exits = new Set<Promise<unknown>>();
  /** Economy could not be used on the current connection (a codec MPEG-TS cannot carry, or no video). */
  private fullOnly = false;
  private count = 0;
  private lastCause: EscalationCause | undefined;
  /** Stream time of the latest suspicion (or picture with a defect open), and of the latest decoded picture. */
  private quietSince = Number.NEGATIVE_INFINITY;
  private lastDecoded: number | undefined;
  private lastNative: number | undefined;
  private failure: { error: unknown } | undefined;
  /** An escalation waiting for its keyframe to reach the buffer. */
  private pending: { cause: EscalationCause; raw: number } | undefined;
  /** Raw time of the connection's latest keyframe picture. */
  private lastKeyframe: number | undefined;
  private onFailure: (() => void) | undefined;

  constructor(private readonly options: EconomyWatchOptions) {
    this.suspicion = new EconomySuspicion(options.thresholds);
  }

  /** Whether this connection can run in economy; when not, it decodes fully (and says so once in the log). */
  usable(media: MediaInfo): boolean {
    const codec = media.video?.codec;
    const usable = codec !== undefined && ECONOMY_CODECS.has(codec);
    if (!usable && !this.fullOnly)
      this.options.logger.info("economy profile not used: decoding every picture", {
        reason: codec ? `${codec} cannot be stream-copied to MPEG-TS` : "no video",
      });
    this.fullOnly = !usable;
    return usable;
  }

  /** The sink of an economy connection: the full profile's, with the video parts routed through the watch. */
  connect(
    full: LiveConnectionSink,
    media: MediaInfo,
    plan: LivePlan,
    onFailure: () => void,
  ): LiveConnectionSink {
    const video = media.video as VideoStreamInfo;
    this.connection = { video, plan, buffer: new TsGopBuffer(), newestPts: undefined };
    this.suspicion.reconnected();
    this.onFailure = onFailure;
    return {
      ...full,
      analysisFrame: (packet) => this.keyframe(packet),
      nativeFrame: () => {},
      evidencePicture: (packet) => {
        if (!this.decoder) full.evidencePicture(packet);
      },
      decodeError: (message) => {
        // A full decoder, when there is one, complains of the same damage itself, at the right picture.
        // Only keyframes are decoded: the damage is in the latest one.
        if (!this.decoder && this.lastKeyframe !== undefined)
          this.suspect({ cause: "decoder-complaint", since: this.lastKeyframe });
        full.decodeError(message);
      },
      videoCopy: (chunk) => {
        const packets = this.connection?.buffer.push(chunk);
        if (packets) this.decoder?.write(packets);
        // The copy and the pictures leave ffmpeg on different pipes: a suspicious keyframe can come first.
        const pending = this.pending;
        if (pending && !this.decoder) this.escalate(pending.cause, pending.raw);
      },
      videoPacket: (packet) => {
        this.packet(packet);
        // The copy is written as ffmpeg reads each packet: the stream's video clock too (LIVE_PIPES.clocks).
        if (plan.clocks) full.clockPacket?.("video", packet);
      },
    };
  }

  /** The connection is over: its decoder goes too; settles once every decoder has exited. */
  async disconnect(): Promise<{ error: unknown } | undefined> {
    this.stopDecoder("connection ended");
    this.connection = undefined;
    this.pending = this.lastKeyframe = undefined;
    await Promise.all(this.exits);
    return this.failure;
  }

  stats(): Pick<LiveStats, "profile" | "escalated" | "escalations"> {
    if (this.fullOnly) return { profile: "full" };
    return {
      profile: "economy",
      escalated: this.decoder !== undefined,
      escalations: { count: this.count, ...(this.lastCause && { lastCause: this.lastCause }) },
    };
  }

  private keyframe(packet: TimedPacket): void {
    const { session } = this.options;
    const connection = this.connection;
    session.keyframeArrived();
    const time = session.pictureTime(packet.time);
    if (!connection || time === undefined || !connection.plan.analysisSize) return;
    session.videoFrames++;
    // The rules are given raw times, so what they say of the onset can be looked up in the copy's buffer.
    const picture = lumaFrame(packet, connection.plan.analysisSize, connection.video.range, packet.time);
    const suspicion = picture && this.suspicion.keyframe(picture);
    this.lastKeyframe = packet.time;
    if (suspicion) this.suspect(suspicion);
    else if (!this.decoder && session.hasOpenPictureDefect())
      this.suspect({ cause: "open-defect", since: packet.time });
  }

  private packet(packet: FramecrcPacket): void {
    const connection = this.connection;
    if (!connection) return;
    const newest = connection.newestPts;
    // B-frames come in decode order, a few frames behind the newest pts: the timeline wants presentation
    // order, so only packets that move it on are placed (a real backward jump is more than jumpTolerance).
    const reordered =
      newest !== undefined && packet.time < newest && newest - packet.time < this.options.jumpTolerance;
    if (!reordered) {
      this.options.session.videoPacket(packet.time, packet.duration);
      connection.newestPts = packet.time;
    }
    const suspicion = this.suspicion.packet(packet.time, packet.size);
    if (suspicion) this.suspect(suspicion);
  }

  /** Something looked wrong (raw times of this connection). */
  private suspect({ cause, since }: Suspicion): void {
    const time = this.options.session.pictureTime(since);
    if (time !== undefined) this.quietSince = Math.max(this.quietSince, time);
    if (!this.decoder) this.escalate(cause, since);
  }

  private escalate(cause: EscalationCause, raw: number): void {
    const connection = this.connection;
    const replay = connection?.buffer.replayFrom(raw);
    // Its keyframe is not buffered yet (the copy is on another pipe): tried again with the next copied bytes.
    this.pending = replay ? undefined : { cause, raw };
    if (!connection || !replay) return;
    const { session } = this.options;
    // With a defect open the detectors must keep it (they only see pictures later than their last, below).
    if (!session.hasOpenPictureDefect()) {
      session.replaceVideoDetectors(this.options.freshDetectors());
      this.lastDecoded = this.lastNative = undefined;
    }
    const time = session.pictureTime(raw);
    if (time !== undefined) this.quietSince = Math.max(this.quietSince, time);
    const decoder = this.startDecoder(connection);
    decoder.write(replay);
    this.count++;
    this.lastCause = cause;
    this.options.logger.info("live stream escalated to full decode", {
      cause,
      streamTime: time,
      escalations: this.count,
    });
  }

  private startDecoder(connection: ConnectionState): EconomyDecoder {
    const { session } = this.options;
    const { video, plan } = connection;
    const decoder = new EconomyDecoder(video, plan, {
      analysisFrame: (packet) => {
        const time = session.pictureTime(packet.time);
        // Pictures the detectors have already seen (a re-escalation with a defect open) are skipped.
        if (time === undefined || (this.lastDecoded !== undefined && time <= this.lastDecoded)) return;
        this.lastDecoded = time;
        const size = plan.analysisSize;
        const picture = size && lumaFrame(packet, size, video.range, time, session.videoFrames);
        session.videoFrames++;
        if (picture) session.analysePicture(picture, { withAudioVideo: false });
        if (session.hasOpenPictureDefect()) this.quietSince = time;
        this.maybeDeescalate();
      },
      nativeFrame: (packet) => {
        const time = session.pictureTime(packet.time);
        if (time === undefined || (this.lastNative !== undefined && time <= this.lastNative)) return;
        this.lastNative = time;
        const native = lumaFrame(packet, video, video.range, time);
        if (native) session.analyseNative(native);
      },
      evidencePicture: (packet) => session.evidencePicture(packet, plan.analysisSize),
      decodeError: (message) => {
        if (this.lastDecoded !== undefined) session.decoderComplaint(message, this.lastDecoded);
      },
    });
    this.decoder = decoder;
    const exited = decoder.ended.then((end) => {
      if (end.failure) {
        // A detector threw: the analysis fails, as it would in a full connection.
        this.failure ??= end.failure;
        this.onFailure?.();
      } else if (this.decoder === decoder) {
        this.options.logger.warn("economy full decoder ended by itself", { code: end.code });
      }
      if (this.decoder === decoder) this.decoder = undefined;
      this.exits.delete(exited);
    });
    this.exits.add(exited);
    this.options.onProcess?.({ pid: decoder.pid, exited: exited.then(() => undefined) });
    return decoder;
  }

  private maybeDeescalate(): void {
    const { session } = this.options;
    if (!this.decoder || this.lastDecoded === undefined || session.hasOpenPictureDefect()) return;
    if (this.lastDecoded - this.quietSince < QUIET_SECONDS) return;
    this.stopDecoder("quiet");
    this.options.logger.info("live stream back to economy decode", { streamTime: this.lastDecoded });
  }

  private stopDecoder(reason: string): void {
    const decoder = this.decoder;
    if (!decoder) return;
    this.decoder = undefined;
    decoder.stop();
    this.options.logger.debug("economy full decoder stopped", { reason });
  }
}
