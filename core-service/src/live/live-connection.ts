/**
 * One connection to a live source: one ffmpeg process, its pipes cut into timed packets. It ends when ffmpeg
 * ends (source gone, read timeout), when `close()` kills it (the engine decides whether to reconnect), or when
 * the sink throws: ffmpeg is killed and the end carries the failure (PipedChild, as the file decoder).
 */
import { pictureTooLarge } from "../domain/limits.ts";
import { isCaptionMarker } from "../media/caption-markers.ts";
import { DecoderComplaints } from "../media/decoder-complaints.ts";
import { overMaxPixels } from "../media/ffmpeg.ts";
import { FramecrcLines, type FramecrcPacket } from "../media/framecrc-lines.ts";
import { PacketPairer, type TimedPacket } from "../media/packet-pairer.ts";
import { PipedChild, type PipeReader } from "../media/piped-child.ts";
import type { MediaInfo } from "../media/probe.ts";
import { parseSegmentFailure, type SegmentFailure } from "../media/segment-failures.ts";
import type { ResolvedSource } from "../media/source.ts";
import { buildLiveArgs, clockKinds, LIVE_PIPES, type LivePlan } from "./live-args.ts";
import type { MediaKind } from "./timeline.ts";

export interface LiveConnectionSink {
  analysisFrame(packet: TimedPacket): void;
  nativeFrame(packet: TimedPacket): void;
  audio(packet: TimedPacket): void;
  decodeError(message: string): void;
  evidencePicture(packet: TimedPacket): void;
  /** An HLS segment ffmpeg could not open (refused or missing) and skipped. */
  segmentFailed(failure: SegmentFailure): void;
  /** The picture about to arrive on the analysis pipe carries closed-caption data (when the plan asks). */
  captions?(): void;
  /** Economy: bytes of the stream-copied video (MPEG-TS), as the pipe gives them. */
  videoCopy?(chunk: Buffer): void;
  /** Economy: one copied video packet's timing, size and key flag. */
  videoPacket?(packet: FramecrcPacket): void;
  /** A packet as ffmpeg read it, before decoding (plan.clocks): the stream clocks. */
  clockPacket?(kind: MediaKind, packet: FramecrcPacket): void;
}

export interface ConnectionEnd {
  readonly code: number | null;
  readonly stderrTail: string;
  /** What the sink threw: a fault of the analysis, not of the source, so reconnecting would not help. */
  readonly failure: { readonly error: unknown } | undefined;
}

export interface LiveConnection {
  readonly pid: number | undefined;
  /** Settles once ffmpeg has exited and its pipes are closed. */
  readonly ended: Promise<ConnectionEnd>;
  /** Kills ffmpeg (SIGKILL: a live read has nothing worth flushing). */
  close(): void;
}

export function openLiveConnection(
  source: ResolvedSource,
  media: MediaInfo,
  plan: LivePlan,
  sink: LiveConnectionSink,
): LiveConnection {
  const complaints = media.video && new DecoderComplaints(media.video.index);
  const child = new PipedChild(
    buildLiveArgs(source, media, plan),
    [
      ...pairedPipes(LIVE_PIPES.analysis, (p) => sink.analysisFrame(p)),
      ...pairedPipes(LIVE_PIPES.native, (p) => sink.nativeFrame(p)),
      ...pairedPipes(LIVE_PIPES.audio, (p) => sink.audio(p)),
      ...pairedPipes(LIVE_PIPES.pictures, (p) => sink.evidencePicture(p)),
      ...(plan.economy ? copyPipes(sink) : []),
      ...clockPipes(sink, clockKinds(plan)),
    ],
    {
      onLine: (line) => {
        if (isCaptionMarker(line)) {
          sink.captions?.();
          return;
        }
        // Pictures that grew past the decode budget after the probe: ffmpeg refuses them (-max_pixels) and says so.
        const picture = overMaxPixels(line);
        if (picture) return child.fail(pictureTooLarge(source.original, picture, picture));
        const failure = parseSegmentFailure(line);
        if (failure) sink.segmentFailed(failure);
        const complaint = complaints?.read(line);
        if (complaint) sink.decodeError(complaint);
      },
      isMachineOutput: isCaptionMarker,
    },
  );
  return {
    pid: child.pid,
    ended: child.ended.then(({ code, stderrTail, failure }) => ({ code, stderrTail, failure })),
    close: () => child.stop(),
  };
}

/** Economy: the copied video's bytes and its packets' framecrc lines, read independently. */
function copyPipes(sink: LiveConnectionSink): PipeReader[] {
  const lines = new FramecrcLines((packet) => sink.videoPacket?.(packet));
  return [
    { fd: LIVE_PIPES.videoCopy.data, onData: (chunk) => sink.videoCopy?.(chunk) },
    { fd: LIVE_PIPES.videoCopy.times, onData: (chunk) => lines.push(chunk.toString("latin1")) },
  ];
}

/** The stream clocks: each kind's packets as ffmpeg read them (economy's video clock is its copy's lines). */
function clockPipes(sink: LiveConnectionSink, kinds: readonly MediaKind[]): PipeReader[] {
  return kinds.map((kind) => {
    const lines = new FramecrcLines((packet) => sink.clockPacket?.(kind, packet));
    return { fd: LIVE_PIPES.clocks[kind], onData: (chunk) => lines.push(chunk.toString("latin1")) };
  });
}

/** A data pipe and its timestamps' pipe, joined into packets. */
export function pairedPipes(
  fds: { readonly data: number; readonly times: number },
  emit: (packet: TimedPacket) => void,
): PipeReader[] {
  const pairer = new PacketPairer(emit);
  return [
    { fd: fds.data, onData: (chunk) => pairer.pushData(chunk) },
    // framecrc lines are ASCII: a chunk boundary cannot split a character.
    { fd: fds.times, onData: (chunk) => pairer.pushTimes(chunk.toString("latin1")) },
  ];
}
