/**
 * Decodes a source once with one ffmpeg process (decode-args.ts) and streams what the detectors need, with
 * backpressure: analysis and native luma frames, PCM audio, and decoder complaints (concealment, damaged
 * macroblocks) parsed from stderr. Times are on the media timeline: a constant-rate frame index (ffmpeg's fps
 * filter) plus the stream's offset.
 */
import type { Readable } from "node:stream";
import type { AudioChunk, DecodeErrorEvent, LumaFrame } from "../detectors/types.ts";
import { AbortedError, type AvmonError, UnsupportedMediaError } from "../domain/errors.ts";
import { channelNames } from "./channel-layout.ts";
import { buildDecodeArgs, DECODE_PIPES, type DecodePlan, frameStep, isFrameMarker } from "./decode-args.ts";
import { parseDecoderComplaint } from "./decoder-complaints.ts";
import { classifyFfmpegFailure, readStderrLines, spawnFfmpeg } from "./ffmpeg.ts";
import { FixedSizeReader, PcmReader } from "./frame-reader.ts";
import type { MediaInfo } from "./probe.ts";
import type { ResolvedSource } from "./source.ts";

export type { DecodePlan };

/**
 * Receives decoded media. A returned promise pauses decoding until it settles (backpressure). A frame's pixels
 * are only valid during the call (the buffer is reused for the next frame).
 */
export interface DecodeSink {
  analysisFrame?(frame: LumaFrame): void | Promise<void>;
  nativeFrame?(frame: LumaFrame): void | Promise<void>;
  audio?(chunk: AudioChunk): void | Promise<void>;
  decodeError?(event: DecodeErrorEvent): void | Promise<void>;
}

export interface DecodeResult {
  readonly videoFrames: number;
  readonly audioSeconds: number;
  /** Media time just after the last decoded frame or sample. */
  readonly endTime: number;
}

export function decode(
  source: ResolvedSource,
  media: MediaInfo,
  plan: DecodePlan,
  sink: DecodeSink,
  signal?: AbortSignal,
): Promise<DecodeResult> {
  const args = buildDecodeArgs(source, media, plan);
  const child = spawnFfmpeg(args, { signal, extraPipes: 2 });
  const stdio = child.stdio as unknown as (Readable | null)[];
  const analysisPipe = stdio[DECODE_PIPES.analysis];
  const nativePipe = stdio[DECODE_PIPES.native];
  const audioPipe = stdio[DECODE_PIPES.audio];
  const streams = [analysisPipe, nativePipe, audioPipe].filter((s): s is Readable => s != null);
  const video = media.video;
  let lumaFrames = 0;
  let audioSamples = 0;

  // One pause/resume for all pipes: ffmpeg writes them in turn, so it stalls as soon as any pipe is full.
  let waiting = 0;
  const withBackpressure = (result: void | Promise<void>) => {
    if (!result) return;
    waiting++;
    for (const s of streams) s.pause();
    result
      .catch((error: unknown) => fail(error))
      .finally(() => {
        waiting--;
        if (waiting === 0) for (const s of streams) s.resume();
      });
  };

  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    child.kill("SIGKILL");
  };

  /** Cuts a pipe into luma frames of `size`, each `step` source frames after the previous one. */
  const readLumaFrames = (
    pipe: Readable | null | undefined,
    size: { width: number; height: number },
    range: LumaFrame["range"],
    step: number,
    deliver: ((frame: LumaFrame) => void | Promise<void>) | undefined,
  ) => {
    if (!video) return;
    let count = 0;
    const reader = new FixedSizeReader(size.width * size.height);
    pipe?.on("data", (chunk: Buffer) =>
      reader.push(chunk, (data) => {
        lumaFrames++;
        const index = count++ * step;
        const time = video.offset + index / video.fps;
        if (deliver)
          withBackpressure(deliver({ index, time, width: size.width, height: size.height, data, range }));
      }),
    );
  };
  if (video && plan.analysisSize) {
    const step = frameStep(video.fps, plan.analysisFramesPerSecond);
    readLumaFrames(analysisPipe, plan.analysisSize, video.range, step, sink.analysisFrame?.bind(sink));
  } else analysisPipe?.resume();
  if (video && plan.nativeFramesPerSecond) {
    const step = frameStep(video.fps, plan.nativeFramesPerSecond);
    const size = { width: video.width, height: video.height };
    readLumaFrames(nativePipe, size, video.range, step, sink.nativeFrame?.bind(sink));
  } else nativePipe?.resume();

  const audio = media.audio;
  if (audio && plan.audio) {
    const reader = new PcmReader(audio.channels * 4);
    const names = channelNames(audio.channelLayout, audio.channels);
    audioPipe?.on("data", (chunk: Buffer) => {
      const samples = reader.push(chunk);
      if (!samples) return;
      const time = audioSamples / audio.sampleRate;
      audioSamples += samples.length / audio.channels;
      const piece = {
        time,
        sampleRate: audio.sampleRate,
        channels: audio.channels,
        channelNames: names,
        samples,
      };
      if (sink.audio) withBackpressure(sink.audio(piece));
    });
  } else audioPipe?.resume();

  let framesDecoded = 0;
  const stderrTail = readStderrLines(
    child,
    (line) => {
      if (isFrameMarker(line)) {
        framesDecoded++;
        return;
      }
      const complaint = video && parseDecoderComplaint(line, video.index);
      if (complaint && video && sink.decodeError) {
        const time = video.offset + framesDecoded / video.fps;
        withBackpressure(sink.decodeError({ time, message: complaint }));
      }
    },
    isFrameMarker,
  );

  return new Promise((resolve, reject) => {
    child.once("error", (err) => reject(err));
    child.once("close", (code) => {
      if (signal?.aborted) return reject(new AbortedError(`analysis of ${source.original} was stopped`));
      if (failure) return reject(failure);
      const audioSeconds = audio ? audioSamples / audio.sampleRate : 0;
      if (code !== 0) return reject(decodeFailure(stderrTail.toString(), source.original, code));
      if (lumaFrames === 0 && audioSamples === 0)
        return reject(new UnsupportedMediaError(`${source.original}: no frame or sample could be decoded`));
      const videoEnd = video && framesDecoded > 0 ? video.offset + framesDecoded / video.fps : 0;
      resolve({ videoFrames: framesDecoded, audioSeconds, endTime: Math.max(videoEnd, audioSeconds) });
    });
  });
}

function decodeFailure(stderr: string, source: string, code: number | null): AvmonError {
  return classifyFfmpegFailure(stderr, source, code);
}
