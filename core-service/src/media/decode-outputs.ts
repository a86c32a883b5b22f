/**
 * The readers of a file decode's output pipes (decode-args.ts says which fd carries what): each cuts its pipe's
 * bytes into pieces with a media time, hands each piece to its sink, and tells the session about it (progress,
 * backpressure). A new kind of output is one more class here with its case in `openOutput`.
 */
import type { AudioChunk, CaptionEvent, DecodeErrorEvent, LumaFrame } from "../detectors/types.ts";
import { channelNames } from "./channel-layout.ts";
import type { DecodeOutputSpec } from "./decode-args.ts";
import { FixedSizeReader, PcmReader } from "./frame-reader.ts";
import type { MarkerOrder } from "./marker-order.ts";
import { PacketPairer } from "./packet-pairer.ts";
import type { PipeReader } from "./piped-child.ts";
import type { MediaInfo } from "./probe.ts";
import type { SegmentFailure } from "./segment-failures.ts";

/** A small colour picture for evidence; unlike a luma frame it owns its bytes, so it can be kept as is. */
export interface EvidencePicture {
  /** Seconds on the media timeline (stream time for live sources). */
  readonly time: number;
  readonly width: number;
  readonly height: number;
  readonly jpeg: Uint8Array;
}

/** What a sink returned for a piece: a promise holds decoding back until it settles. */
export type SinkResult = void | Promise<void>;

/**
 * Receives decoded media. A frame's pixels are only valid during the call (the buffer is reused for the next
 * frame): copy what you keep.
 */
export interface DecodeSink {
  /** The analysis pictures sampled for the frame detectors (about 10 a second). */
  analysisFrame?(frame: LumaFrame): SinkResult;
  /** A tiny picture of every frame, when the plan asks for them (`syncPictures`). */
  syncPicture?(frame: LumaFrame): SinkResult;
  nativeFrame?(frame: LumaFrame): SinkResult;
  /** `track`: which of the media's audio tracks, from 0 (MediaInfo.audioTracks). */
  audio?(chunk: AudioChunk, track: number): SinkResult;
  decodeError?(event: DecodeErrorEvent): SinkResult;
  evidencePicture?(picture: EvidencePicture): SinkResult;
  /** An HLS segment ffmpeg could not open (refused or missing) and skipped. */
  segmentFailed?(failure: SegmentFailure): SinkResult;
  /** An intra-coded picture at this media time (when the plan asks for keyframes). */
  keyframe?(time: number): SinkResult;
  /** A picture that carries closed-caption data (when the plan asks for captions). */
  captions?(event: CaptionEvent): SinkResult;
}

/** Told of every piece an output hands on: `endTime` is the media time just after it. */
export type Delivered = (endTime: number, result: SinkResult) => void;

export interface DecodeOutput {
  readonly spec: DecodeOutputSpec;
  /** The pipes it reads (most outputs one; pictures also their sizes' pipe). */
  readonly readers: readonly PipeReader[];
  /** Pieces handed on so far. */
  readonly pieces: number;
  /** Media time just after the last piece handed on. */
  readonly endTime: number;
}

/** `order`: luma pictures go on only once their frame markers have been read (marker-order.ts). */
export function openOutput(
  spec: DecodeOutputSpec,
  media: MediaInfo,
  sink: DecodeSink,
  delivered: Delivered,
  order: MarkerOrder,
): DecodeOutput {
  switch (spec.kind) {
    case "analysis-video":
      return new LumaOutput(spec, media, delivered, order, sink.analysisFrame?.bind(sink));
    case "sync-video":
      return new LumaOutput(spec, media, delivered, order, sink.syncPicture?.bind(sink));
    case "native-video":
      return new LumaOutput(spec, media, delivered, order, sink.nativeFrame?.bind(sink));
    case "audio":
      return new PcmOutput(spec, sink.audio?.bind(sink), delivered);
    case "evidence-pictures":
      return new PictureOutput(spec, media, sink.evidencePicture?.bind(sink), delivered);
  }
}

/** Luma planes of a fixed size, every `step` source frames, timed by a constant-rate frame index. */
class LumaOutput implements DecodeOutput {
  pieces = 0;
  endTime = 0;
  readonly #reader: FixedSizeReader;
  readonly #fps: number;
  readonly #offset: number;
  readonly #range: LumaFrame["range"];

  constructor(
    readonly spec: Extract<DecodeOutputSpec, { kind: "analysis-video" | "native-video" | "sync-video" }>,
    media: MediaInfo,
    private readonly delivered: Delivered,
    private readonly order: MarkerOrder,
    private readonly deliver: ((frame: LumaFrame) => SinkResult) | undefined,
  ) {
    this.#reader = new FixedSizeReader(spec.width * spec.height);
    this.#fps = media.video?.fps ?? 25;
    this.#offset = media.video?.offset ?? 0;
    this.#range = media.video?.range ?? "limited";
  }

  get readers(): PipeReader[] {
    // The reader assembles each picture in a buffer of its own, so the pipe's buffer can be reused.
    return [{ fd: this.spec.fd, reusesBuffer: true, onData: (chunk) => this.push(chunk) }];
  }

  push(chunk: Uint8Array): void {
    const { width, height, step } = this.spec;
    this.#reader.push(chunk, (data) => {
      const index = this.pieces++ * step;
      const time = this.#offset + index / this.#fps;
      this.endTime = time + step / this.#fps;
      const frame: LumaFrame = { index, time, width, height, data, range: this.#range };
      const endTime = this.endTime;
      if (this.order.ready(index)) this.delivered(endTime, this.deliver?.(frame));
      else {
        const copy = { ...frame, data: data.slice() };
        this.order.wait(index, () => this.delivered(endTime, this.deliver?.(copy)));
      }
    });
  }
}

/** Interleaved float PCM of one audio stream, timed by its sample count (the graph pads it from time 0). */
class PcmOutput implements DecodeOutput {
  pieces = 0;
  endTime = 0;
  readonly #reader: PcmReader;
  readonly #names: readonly string[];
  #samples = 0;

  constructor(
    readonly spec: Extract<DecodeOutputSpec, { kind: "audio" }>,
    private readonly deliver: ((chunk: AudioChunk, track: number) => SinkResult) | undefined,
    private readonly delivered: Delivered,
  ) {
    this.#reader = new PcmReader(spec.stream.channels * 4);
    this.#names = channelNames(spec.stream.channelLayout, spec.stream.channels);
  }

  get readers(): PipeReader[] {
    return [{ fd: this.spec.fd, onData: (chunk) => this.push(chunk) }];
  }

  push(bytes: Buffer): void {
    const samples = this.#reader.push(bytes);
    if (!samples) return;
    const { sampleRate, channels } = this.spec.stream;
    const time = this.#samples / sampleRate;
    this.#samples += samples.length / channels;
    this.pieces++;
    this.endTime = this.#samples / sampleRate;
    const chunk = { time, sampleRate, channels, channelNames: this.#names, samples };
    const result = this.deliver?.(chunk, this.spec.track);
    this.delivered(this.endTime, result);
  }
}

/**
 * JPEG pictures of varying size, every `step` source frames: the framecrc side pipe gives each one's size (its
 * pts is not needed: the picture's time comes from its index, as for luma frames).
 */
class PictureOutput implements DecodeOutput {
  pieces = 0;
  endTime = 0;
  readonly readers: readonly PipeReader[];
  readonly #fps: number;
  readonly #offset: number;

  constructor(
    readonly spec: Extract<DecodeOutputSpec, { kind: "evidence-pictures" }>,
    media: MediaInfo,
    deliver: ((picture: EvidencePicture) => SinkResult) | undefined,
    delivered: Delivered,
  ) {
    this.#fps = media.video?.fps ?? 25;
    this.#offset = media.video?.offset ?? 0;
    const { width, height, step } = spec;
    const pairer = new PacketPairer(({ data }) => {
      const time = this.#offset + (this.pieces++ * step) / this.#fps;
      this.endTime = time + step / this.#fps;
      delivered(this.endTime, deliver?.({ time, width, height, jpeg: data }));
    });
    this.readers = [
      { fd: spec.fd, onData: (chunk) => pairer.pushData(chunk) },
      // framecrc lines are ASCII: a chunk boundary cannot split a character.
      { fd: spec.timesFd, onData: (chunk) => pairer.pushTimes(chunk.toString("latin1")) },
    ];
  }
}
