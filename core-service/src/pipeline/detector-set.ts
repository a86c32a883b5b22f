/**
 * Routes decoded media to the detectors that want it and gathers what they report. Each audio track has its
 * own audio detectors (their state is one stream's); when there are several tracks, the defects they find carry
 * their track's number (`track`, from 1). Caption detectors hear the first track (is programme going on?), and
 * their defects are the video's, so they carry no track.
 */

import { detectorSummaries } from "../detectors/registry.ts";
import type {
  AudioChunk,
  AudioVideoDetector,
  CaptionDetector,
  CaptionEvent,
  DecodeErrorEvent,
  Detector,
  DetectorEvent,
  LumaFrame,
  StreamExtents,
} from "../detectors/types.ts";
import type { ClosedDefect } from "../domain/defect.ts";
import type { DecodeSink } from "../media/decoder.ts";
import type { SegmentLocator } from "../media/segment-failures.ts";
import { UnwatchedSegments } from "./unwatched-segments.ts";

type Listener = (event: DetectorEvent) => void | Promise<void>;

export interface DetectorSetOptions {
  /** Finds skipped HLS segments in their playlist (a playlist source only). */
  readonly segments?: SegmentLocator;
  /** A set of audio detectors for each audio track after the first. */
  readonly moreAudioTracks?: readonly (readonly Detector[])[];
}

export class DetectorSet {
  private readonly closed: ClosedDefect[] = [];
  private readonly unwatched = new UnwatchedSegments();
  private readonly segments: SegmentLocator | undefined;
  /** The audio detectors of each track: the first track's are among `detectors`. */
  private readonly tracks: readonly (readonly Detector[])[];

  constructor(
    private readonly detectors: readonly Detector[],
    private readonly listener?: Listener,
    options: DetectorSetOptions = {},
  ) {
    this.segments = options.segments;
    this.tracks = [detectors.filter((d) => d.input === "audio"), ...(options.moreAudioTracks ?? [])];
  }

  sink(
    onProgress?: (p: { time: number; duration: number | undefined }) => void,
    duration?: number,
  ): DecodeSink {
    const analysis = this.detectors.filter((d) => d.input === "analysis-video");
    const native = this.detectors.filter((d) => d.input === "native-video");
    const captions = this.detectors.filter((d): d is CaptionDetector => d.input === "captions");
    const both = audioVideo(this.detectors);
    let lastProgress = -1;
    /** Where decoding is, for a skipped segment the playlist cannot place. */
    let latest = 0;
    const progress = (time: number) => {
      if (onProgress && time - lastProgress >= 1) {
        lastProgress = time;
        onProgress({ time, duration });
      }
    };
    return {
      analysisFrame: (frame: LumaFrame) => {
        progress(frame.time);
        latest = Math.max(latest, frame.time);
        return this.deliver([
          ...this.unwatched.progress(frame.time),
          ...analysis.flatMap((d) => d.push(frame)),
          ...native.flatMap((d) => (d.input === "native-video" ? (d.pushAnalysis?.(frame) ?? []) : [])),
        ]);
      },
      everyAnalysisFrame: (frame: LumaFrame) => this.deliver(both.flatMap((d) => d.pushPicture(frame))),
      nativeFrame: (frame: LumaFrame) => this.deliver(native.flatMap((d) => d.push(frame))),
      audio: (chunk: AudioChunk, track: number) => {
        if (track !== 0) return this.deliver(this.pushAudio(chunk, track));
        if (analysis.length === 0) progress(chunk.time);
        latest = Math.max(latest, chunk.time);
        return this.deliver([
          ...this.unwatched.progress(chunk.time),
          ...this.pushAudio(chunk, 0),
          ...captions.flatMap((d) => d.push(chunk)),
          ...both.flatMap((d) => d.pushAudio(chunk)),
        ]);
      },
      decodeError: (event: DecodeErrorEvent) =>
        this.deliver(native.flatMap((d) => (d.input === "native-video" ? d.pushDecodeError(event) : []))),
      segmentFailed: async (failure) => {
        // A file's segments sit where the playlist puts them: the sum of the lengths before them (when the
        // playlist cannot be read again, about where decoding is).
        const span = await this.segments?.span(failure);
        await this.deliver(this.unwatched.failed(failure, span?.start ?? latest, span));
      },
      captions: (event: CaptionEvent) => this.deliver(captions.flatMap((d) => d.pushCaptions(event))),
      keyframe: (time: number) =>
        this.deliver(
          native.flatMap((d) => (d.input === "native-video" ? (d.pushKeyframe?.(time) ?? []) : [])),
        ),
    };
  }

  /** Closes whatever is still open at the end of the media; `extents` say where each stream began and ended. */
  async finish(endTime: number, extents?: StreamExtents): Promise<void> {
    const measured = extents ? audioVideo(this.detectors).flatMap((d) => d.pushExtents(extents)) : [];
    const others = this.detectors.filter((d) => d.input !== "audio");
    await this.deliver([...this.unwatched.finish(), ...measured, ...others.flatMap((d) => d.flush(endTime))]);
    for (const [track, detectors] of this.tracks.entries())
      await this.deliver(
        this.onTrack(
          track,
          detectors.flatMap((d) => d.flush(endTime)),
        ),
      );
  }

  closedDefects(): ClosedDefect[] {
    return [...this.closed].sort(
      (a, b) => a.start - b.start || a.type.localeCompare(b.type) || (a.track ?? 0) - (b.track ?? 0),
    );
  }

  /** Figures for the whole source (integrated loudness, …): of the first audio track's detectors. */
  summaries(): Record<string, number | null> {
    return detectorSummaries(this.detectors);
  }

  /** The same figures for one audio track (from 0). */
  trackSummaries(track: number): Record<string, number | null> {
    return detectorSummaries(this.tracks[track] ?? []);
  }

  private pushAudio(chunk: AudioChunk, track: number): DetectorEvent[] {
    const detectors = this.tracks[track] ?? [];
    return this.onTrack(
      track,
      detectors.flatMap((d) => (d.input === "audio" ? d.push(chunk) : [])),
    );
  }

  /** Events found on audio track `track` (from 0), stamped with its number (from 1) when there are several. */
  private onTrack(track: number, events: DetectorEvent[]): DetectorEvent[] {
    if (this.tracks.length < 2 || events.length === 0) return events;
    return events.map((event) =>
      event.kind === "open"
        ? { kind: "open", defect: { ...event.defect, track: track + 1 } }
        : { kind: "close", defect: { ...event.defect, track: track + 1 } },
    );
  }

  private deliver(events: DetectorEvent[]): void | Promise<void> {
    if (events.length === 0) return;
    for (const event of events) if (event.kind === "close") this.closed.push(event.defect);
    if (!this.listener) return;
    const pending = events
      .map((e) => this.listener?.(e))
      .filter((p): p is Promise<void> => p instanceof Promise);
    if (pending.length) return Promise.all(pending).then(() => undefined);
  }
}

function audioVideo(detectors: readonly Detector[]): AudioVideoDetector[] {
  return detectors.filter((d): d is AudioVideoDetector => d.input === "audio-video");
}
