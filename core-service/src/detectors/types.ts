import type { Defect, DefectType } from "../domain/defect.ts";
import type { SignalLevels } from "../domain/signal-levels.ts";

/**
 * One picture's luma plane, 8 bits per pixel, row-major, stride = width.
 * `time` is seconds on the media timeline (from the source's first frame).
 * `data` belongs to the decoder and is overwritten by the next picture once `push` returns: copy what you keep.
 */
export interface LumaFrame {
  readonly index: number;
  readonly time: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  /** "limited" = luma 16..235 (most delivery video), "full" = 0..255. */
  readonly range: "limited" | "full";
}

/**
 * A window of decoded audio, float samples interleaved by channel, nominally in [-1, 1] (lossy decoders may
 * overshoot). `time` is the media time of the first sample.
 */
export interface AudioChunk {
  readonly time: number;
  readonly sampleRate: number;
  readonly channels: number;
  /** Channel names in order, as ffprobe's layout gives them (FL, FR, FC, LFE, BL, BR, SL, SR…) when known. */
  readonly channelNames: readonly string[];
  readonly samples: Float32Array;
}

/** A decoder complaint (e.g. h264 "concealing N DC, N AC, N MV errors") at an approximate media time. */
export interface DecodeErrorEvent {
  readonly time: number;
  readonly message: string;
}

/**
 * A picture that carried closed-caption data (CEA-608/708 in ATSC A/53 user data: H.264/HEVC SEI or MPEG-2
 * picture user data, which ffmpeg's decoders export as A/53 side data), at its media time.
 */
export interface CaptionEvent {
  readonly time: number;
}

/**
 * What a detector tells the pipeline. `open` is sent once, as soon as a defect has lasted its minimum duration
 * (its `start` is the onset, `end` absent); `close` when it ends, with `start` and `end`. A defect that is
 * closed without having been opened first (possible at end of input) is sent as `close` only.
 */
export type DetectorEvent =
  | { readonly kind: "open"; readonly defect: Defect }
  | { readonly kind: "close"; readonly defect: Defect & { end: number } };

interface DetectorBase {
  readonly type: DefectType;
  /** Ends the stream: closes any defect still running at `endTime` (if it lasted its minimum) and returns the events. */
  flush(endTime: number): DetectorEvent[];
  /** Figures for the whole source that belong in the report (e.g. integrated loudness); null when unknown. */
  summary?(): Record<string, number | null>;
  /** The latest value of what the detector measures anyway, for the dashboard's live tile; read ~1/s. */
  levels?(): SignalLevels;
}

/** Works on every frame at the analysis resolution (small, e.g. 320 px wide). */
export interface AnalysisFrameDetector extends DetectorBase {
  readonly input: "analysis-video";
  push(frame: LumaFrame): DetectorEvent[];
}

/**
 * Works on native-resolution frames, sampled a few times a second, plus decoder error reports; may also take
 * the analysis-size frames (every ~0.1 s) that whole-picture detectors get, for what changes between samples.
 */
export interface NativeFrameDetector extends DetectorBase {
  readonly input: "native-video";
  push(frame: LumaFrame): DetectorEvent[];
  pushDecodeError(event: DecodeErrorEvent): DetectorEvent[];
  pushAnalysis?(frame: LumaFrame): DetectorEvent[];
  /** An intra-coded picture (a keyframe) at this media time: where concealed damage is repaired. */
  pushKeyframe?(time: number): DetectorEvent[];
}

export interface AudioDetector extends DetectorBase {
  readonly input: "audio";
  push(chunk: AudioChunk): DetectorEvent[];
}

/** Works on the pictures that carry caption data, against the first audio track (is programme going on?). */
export interface CaptionDetector extends DetectorBase {
  readonly input: "captions";
  pushCaptions(event: CaptionEvent): DetectorEvent[];
  push(chunk: AudioChunk): DetectorEvent[];
  /**
   * A loss that a previous worker of a live job had open since `start`: the captions were there before it and
   * are still missing, so the detector re-opens it at once (the alert book keeps it as the same alert) instead of
   * waiting for captions it has never seen.
   */
  resumeLoss(start: number): void;
}

/** A live packet of one kind reaching the analysis: its time on the stream's timeline and the wall clock then. */
export interface PacketArrival {
  readonly kind: "video" | "audio";
  readonly time: number;
  readonly wallMs: number;
  /**
   * Changes when the stream's timestamps start afresh (a reconnection, a jump): timestamps of two epochs are
   * not comparable.
   */
  readonly epoch: number;
}

/** Where a file's video and audio streams start and end on the media timeline, known once it is decoded. */
export interface StreamExtents {
  readonly video: { readonly start: number; readonly end: number; readonly frameDuration: number };
  readonly audio: { readonly start: number; readonly end: number };
}

/**
 * Sees picture and sound together: a small luma picture of *every* decoded frame (a flash lasts one frame),
 * the audio, and the streams' clocks (a live stream's packet arrivals; a file's stream extents).
 */
export interface AudioVideoDetector extends DetectorBase {
  readonly input: "audio-video";
  pushPicture(frame: LumaFrame): DetectorEvent[];
  pushAudio(chunk: AudioChunk): DetectorEvent[];
  pushArrival(arrival: PacketArrival): DetectorEvent[];
  /** Files with both kinds of media: called once, after the last picture and sample and before `flush`. */
  pushExtents(extents: StreamExtents): DetectorEvent[];
}

export type Detector =
  | AnalysisFrameDetector
  | NativeFrameDetector
  | AudioDetector
  | AudioVideoDetector
  | CaptionDetector;
