/**
 * The full decoder of an escalated economy stream: one ffmpeg that reads the connection's copied MPEG-TS on
 * stdin (first the buffered GOPs from the keyframe before the suspicious one, then the copy as it arrives) and
 * gives the same analysis, native and evidence pictures as a full-profile connection. It catches up with the
 * live edge at decode speed, then follows it. Stopped (SIGKILL) on de-escalation, connection end or abort;
 * `ended` settles once it is gone, and carries what a picture handler threw.
 */
import { DecoderComplaints } from "../media/decoder-complaints.ts";
import type { TimedPacket } from "../media/packet-pairer.ts";
import { type ChildEnd, PipedChild } from "../media/piped-child.ts";
import type { VideoStreamInfo } from "../media/probe.ts";
import { buildEconomyDecoderArgs, LIVE_PIPES, type LivePlan } from "./live-args.ts";
import { pairedPipes } from "./live-connection.ts";

export interface EconomyDecoderSink {
  analysisFrame(packet: TimedPacket): void;
  nativeFrame(packet: TimedPacket): void;
  evidencePicture(packet: TimedPacket): void;
  decodeError(message: string): void;
}

export class EconomyDecoder {
  readonly ended: Promise<ChildEnd>;
  private readonly child: PipedChild;

  constructor(video: VideoStreamInfo, plan: LivePlan, sink: EconomyDecoderSink) {
    // The copy holds the video alone: stream 0.
    const complaints = new DecoderComplaints(0);
    this.child = new PipedChild(
      buildEconomyDecoderArgs(video, plan),
      [
        ...pairedPipes(LIVE_PIPES.analysis, (p) => sink.analysisFrame(p)),
        ...pairedPipes(LIVE_PIPES.native, (p) => sink.nativeFrame(p)),
        ...pairedPipes(LIVE_PIPES.pictures, (p) => sink.evidencePicture(p)),
      ],
      {
        onLine: (line) => {
          const complaint = complaints.read(line);
          if (complaint) sink.decodeError(complaint);
        },
      },
      { stdin: true },
    );
    this.ended = this.child.ended;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Whole TS packets for the decoder. Not held back for the pipe: the decoder outruns a live stream (it decodes
   * faster than real time once it has caught up), so its pipe only holds the replayed GOPs for a moment.
   */
  write(packets: Buffer): void {
    if (packets.length > 0) this.child.stdin?.write(packets);
  }

  stop(): void {
    this.child.stop();
  }
}
