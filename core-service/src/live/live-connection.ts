/**
 * One connection to a live source: one ffmpeg process, its pipes cut into timed packets. It ends when ffmpeg
 * ends (source gone, read timeout) or when `close()` kills it; the engine decides whether to reconnect.
 */
import type { Readable } from "node:stream";
import { parseDecoderComplaint } from "../media/decoder-complaints.ts";
import { readStderrLines, spawnFfmpeg } from "../media/ffmpeg.ts";
import type { MediaInfo } from "../media/probe.ts";
import type { ResolvedSource } from "../media/source.ts";
import { buildLiveArgs, LIVE_EXTRA_PIPES, LIVE_PIPES, type LivePlan } from "./live-args.ts";
import { PacketPairer, type TimedPacket } from "./packet-pairer.ts";

export interface LiveConnectionSink {
  analysisFrame(packet: TimedPacket): void;
  nativeFrame(packet: TimedPacket): void;
  audio(packet: TimedPacket): void;
  decodeError(message: string): void;
}

export interface ConnectionEnd {
  readonly code: number | null;
  readonly stderrTail: string;
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
  const child = spawnFfmpeg(buildLiveArgs(source, media, plan), { extraPipes: LIVE_EXTRA_PIPES });
  const stdio = child.stdio as unknown as (Readable | null)[];
  wirePair(stdio, LIVE_PIPES.analysis, (p) => sink.analysisFrame(p));
  wirePair(stdio, LIVE_PIPES.native, (p) => sink.nativeFrame(p));
  wirePair(stdio, LIVE_PIPES.audio, (p) => sink.audio(p));

  const stderrTail = readStderrLines(child, (line) => {
    const complaint = media.video && parseDecoderComplaint(line, media.video.index);
    if (complaint) sink.decodeError(complaint);
  });

  const ended = new Promise<ConnectionEnd>((resolve) => {
    child.once("error", () => resolve({ code: null, stderrTail: stderrTail.toString() }));
    child.once("close", (code) => resolve({ code, stderrTail: stderrTail.toString() }));
  });
  return {
    pid: child.pid,
    ended,
    close: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

function wirePair(
  stdio: (Readable | null)[],
  fds: { readonly data: number; readonly times: number },
  emit: (packet: TimedPacket) => void,
): void {
  const pairer = new PacketPairer(emit);
  stdio[fds.data]?.on("data", (chunk: Buffer) => pairer.pushData(chunk));
  stdio[fds.times]?.setEncoding("utf8").on("data", (text: string) => pairer.pushTimes(text));
}
