/**
 * Decodes a source once with one ffmpeg process (decode-args.ts) and streams what the detectors need, with
 * backpressure: analysis and native luma frames, PCM audio, evidence pictures (small colour JPEGs, when asked
 * for), and decoder complaints (concealment, damaged macroblocks) parsed from stderr. Times are on the media
 * timeline: a constant-rate frame index (ffmpeg's fps filter) plus the stream's offset.
 *
 * The invariant: the decode settles, once, whatever happens. Every failure (a sink that throws or rejects, the
 * caller's abort or a limit, the watchdog, ffmpeg dying, a pipe erroring) goes to `PipedChild.fail`, which kills
 * ffmpeg and lets go of its pipes; `DecodeSession.run` is the one place that waits for the end and turns it
 * into a result or an error.
 */

import type { StreamExtents } from "../detectors/types.ts";
import { abortError, FfmpegError, UnsupportedMediaError } from "../domain/errors.ts";
import {
  type AnalysisLimits,
  DEFAULT_ANALYSIS_LIMITS,
  mediaTooLong,
  noProgress,
  pictureTooLarge,
} from "../domain/limits.ts";
import { isCaptionMarker } from "./caption-markers.ts";
import {
  buildDecodeCommand,
  type DecodePlan,
  isFrameMarker,
  isKeyframeMarker,
  isMarker,
} from "./decode-args.ts";
import { type DecodeOutput, type DecodeSink, openOutput, type SinkResult } from "./decode-outputs.ts";
import { DecoderComplaints } from "./decoder-complaints.ts";
import { classifyFfmpegFailure, overMaxPixels } from "./ffmpeg.ts";
import { MarkerOrder } from "./marker-order.ts";
import { type ChildEnd, PipedChild } from "./piped-child.ts";
import type { MediaInfo } from "./probe.ts";
import { parseSegmentFailure } from "./segment-failures.ts";
import type { ResolvedSource } from "./source.ts";

export type { DecodePlan, DecodeSink };

export interface DecodeResult {
  readonly videoFrames: number;
  readonly audioSeconds: number;
  /** Media time just after the last decoded frame or sample. */
  readonly endTime: number;
  /** Pictures that carried closed-caption data; undefined when the plan did not look for captions. */
  readonly captionFrames?: number;
  /** Where the video and the audio began and ended, when both were decoded. */
  readonly extents?: StreamExtents;
}

export interface DecodeOptions {
  /** Stops the decode; it rejects with the signal's reason when that is an AvmonError, else AbortedError. */
  readonly signal?: AbortSignal;
  /** The watchdog's period and the media-duration cap (the picture budget is in the plan, for ffmpeg). */
  readonly limits?: Pick<AnalysisLimits, "stallSeconds" | "maxMediaSeconds">;
}

export function decode(
  source: ResolvedSource,
  media: MediaInfo,
  plan: DecodePlan,
  sink: DecodeSink,
  options: DecodeOptions = {},
): Promise<DecodeResult> {
  return new DecodeSession(source, media, plan, sink, options).run();
}

/** How often the watchdog looks: a stall is seen within this much of its period. */
const WATCHDOG_TICK_MS = 250;

/** One ffmpeg decoding one source: its output pipes, their counters, the watchdog, and the one settle. */
class DecodeSession {
  readonly #name: string;
  readonly #media: MediaInfo;
  readonly #sink: DecodeSink;
  readonly #signal: AbortSignal | undefined;
  readonly #limits: Pick<AnalysisLimits, "stallSeconds" | "maxMediaSeconds">;
  readonly #outputs: DecodeOutput[];
  readonly #child: PipedChild;
  readonly #order: MarkerOrder;
  /** Frames ffmpeg has decoded (frame markers on stderr); no picture past them has been handed on. */
  #framesDecoded = 0;
  #lastProgressMs = performance.now();
  readonly #complaints: DecoderComplaints | undefined;
  readonly #captions: boolean;
  #captionFrames = 0;

  constructor(
    source: ResolvedSource,
    media: MediaInfo,
    plan: DecodePlan,
    sink: DecodeSink,
    options: DecodeOptions,
  ) {
    this.#name = source.original;
    this.#media = media;
    this.#sink = sink;
    this.#signal = options.signal;
    this.#limits = options.limits ?? DEFAULT_ANALYSIS_LIMITS;
    this.#complaints = media.video && new DecoderComplaints(media.video.index);
    this.#captions = Boolean(media.video && plan.captions);
    const command = buildDecodeCommand(source, media, plan);
    const delivered = (endTime: number, result: SinkResult) => this.#delivered(endTime, result);
    this.#order = new MarkerOrder();
    this.#outputs = command.outputs.map((spec) => openOutput(spec, media, sink, delivered, this.#order));
    this.#child = new PipedChild(
      command.args,
      this.#outputs.flatMap((output) => output.readers),
      {
        onLine: (line) => this.#stderrLine(line),
        isMachineOutput: isMarker,
        onEnd: () => this.#order.ended(),
      },
    );
  }

  async run(): Promise<DecodeResult> {
    const signal = this.#signal;
    const onAbort = () => signal && this.#child.fail(abortError(signal, `analysis of ${this.#name}`));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const watchdog = setInterval(() => this.#watch(), WATCHDOG_TICK_MS);
    try {
      return this.#result(await this.#child.ended);
    } finally {
      clearInterval(watchdog);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #result(end: ChildEnd): DecodeResult {
    if (end.failure) throw end.failure.error;
    if (end.signal)
      throw new FfmpegError(`ffmpeg died (${end.signal}) while decoding ${this.#name}`, end.stderrTail);
    if (end.code !== 0) throw classifyFfmpegFailure(end.stderrTail, this.#name, end.code);
    if (this.#outputs.every((output) => output.pieces === 0))
      throw new UnsupportedMediaError(`${this.#name}: no frame or sample could be decoded`);
    const audioSeconds = Math.max(0, ...this.#audioOutputs().map((output) => output.endTime));
    return {
      videoFrames: this.#framesDecoded,
      audioSeconds,
      endTime: Math.max(this.#videoDecodedUntil(), audioSeconds),
      ...(this.#captions && { captionFrames: this.#captionFrames }),
      ...this.#extents(audioSeconds),
    };
  }

  /** The audio output is timed from 0 (the graph pads its start), so the stream's own start is the probe's. */
  #extents(audioEnd: number): Pick<DecodeResult, "extents"> {
    const { video, audio } = this.#media;
    if (!video || !audio || this.#framesDecoded === 0 || audioEnd === 0) return {};
    return {
      extents: {
        video: { start: video.offset, end: this.#videoDecodedUntil(), frameDuration: 1 / video.fps },
        audio: { start: Math.min(audio.offset, audioEnd), end: audioEnd },
      },
    };
  }

  #audioOutputs(): DecodeOutput[] {
    return this.#outputs.filter((output) => output.spec.kind === "audio");
  }

  /** Media time just after the last frame ffmpeg decoded; 0 without video. */
  #videoDecodedUntil(): number {
    const video = this.#media.video;
    return video && this.#framesDecoded > 0 ? video.offset + this.#framesDecoded / video.fps : 0;
  }

  #delivered(endTime: number, result: SinkResult): void {
    this.#progress(endTime);
    this.#hold(result);
  }

  /** A sink's promise holds the decode back until it settles. */
  #hold(result: SinkResult): void {
    if (result) this.#child.hold(result);
  }

  #progress(mediaTime: number): void {
    this.#lastProgressMs = performance.now();
    // An endless or looping source read as a file would otherwise be decoded for ever.
    if (mediaTime > this.#limits.maxMediaSeconds)
      this.#child.fail(mediaTooLong(this.#name, undefined, this.#limits));
  }

  #stderrLine(line: string): void {
    const video = this.#media.video;
    if (isFrameMarker(line)) {
      this.#framesDecoded++;
      this.#progress(this.#videoDecodedUntil());
      this.#order.markerRead();
      return;
    }
    if (isKeyframeMarker(line)) {
      // Printed just after that frame's own marker.
      if (video) this.#hold(this.#sink.keyframe?.(video.offset + (this.#framesDecoded - 1) / video.fps));
      return;
    }
    if (isCaptionMarker(line)) {
      // Printed just after that frame's own marker, like a keyframe's.
      if (!video) return;
      this.#captionFrames++;
      this.#hold(this.#sink.captions?.({ time: video.offset + (this.#framesDecoded - 1) / video.fps }));
      return;
    }
    const picture = overMaxPixels(line);
    if (picture) {
      this.#child.fail(pictureTooLarge(this.#name, picture, picture));
      return;
    }
    const segmentFailure = parseSegmentFailure(line);
    if (segmentFailure && this.#sink.segmentFailed) {
      this.#hold(this.#sink.segmentFailed(segmentFailure));
    }
    const complaint = this.#complaints?.read(line);
    if (complaint && video && this.#sink.decodeError) {
      const time = video.offset + this.#framesDecoded / video.fps;
      this.#hold(this.#sink.decodeError({ time, message: complaint }));
    }
  }

  /** No frame and no sample for the stall period ends the decode, whether ffmpeg or our own consumer is stuck. */
  #watch(): void {
    if (performance.now() - this.#lastProgressMs < this.#limits.stallSeconds * 1000) return;
    this.#child.fail(noProgress(this.#name, this.#limits, this.#child.holding));
  }
}
