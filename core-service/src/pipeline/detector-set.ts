/**
 * Routes decoded media to the detectors that want it and gathers what they report. Each audio track has its
 * own audio detectors (their state is one stream's); when there are several tracks, the defects they find carry
 * their track's number (`track`, from 1). With evidence asked for, events pass through the evidence recorder
 * (which may make them wait for their picture) and each defect's image is kept before its first event goes
 * out, one event at a time, in order. Caption detectors hear the first
 * track (is programme going on?), and their defects are the video's, so they carry no track.
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
import type { Evidence } from "../domain/evidence.ts";
import { type LevelsPoint, readLevels } from "../domain/signal-levels.ts";
import {
  defectKey,
  type EvidenceKeeper,
  EvidenceRecorder,
  type Released,
} from "../evidence/evidence-recorder.ts";
import type { DecodeSink } from "../media/decoder.ts";
import type { SegmentLocator } from "../media/segment-failures.ts";
import { UnwatchedSegments } from "./unwatched-segments.ts";

/** A detector event as the analysis hands it on: the defect's evidence on its first event, when kept. */
export type AnalysisEvent = DetectorEvent & { readonly evidence?: Evidence };
type Listener = (event: AnalysisEvent) => void | Promise<void>;
export type LevelsListener = (point: LevelsPoint, mediaDuration: number | undefined) => void;

export interface DetectorSetEvidence {
  readonly keep: EvidenceKeeper;
  /** Whether the decode makes evidence pictures. */
  readonly pictures: boolean;
}

export interface DetectorSetOptions {
  /** The detectors' latest levels, once per media second. */
  readonly onLevels?: LevelsListener;
  /** Make each defect's evidence and keep it with this. */
  readonly evidence?: DetectorSetEvidence;
  /** Finds skipped HLS segments in their playlist (a playlist source only). */
  readonly segments?: SegmentLocator;
  /** A set of audio detectors for each audio track after the first. */
  readonly moreAudioTracks?: readonly (readonly Detector[])[];
}

export class DetectorSet {
  private readonly closed: ClosedDefect[] = [];
  private readonly evidence: { recorder: EvidenceRecorder<DetectorEvent>; keep: EvidenceKeeper } | undefined;
  /** Kept evidence by defect, for the report's closed defects. */
  private readonly kept = new Map<string, Evidence>();
  /** With evidence, events go out one after the other: keeping an image must not reorder them. */
  private chain: Promise<void> = Promise.resolve();
  private readonly onLevels: LevelsListener | undefined;
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
    this.onLevels = options.onLevels;
    const evidence = options.evidence;
    this.evidence = evidence && {
      recorder: new EvidenceRecorder({ pictures: evidence.pictures }),
      keep: evidence.keep,
    };
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
    let nextLevelsAt = 0;
    /** Where decoding is, for a skipped segment the playlist cannot place. */
    let latest = 0;
    const progress = (time: number) => {
      if (onProgress && time - lastProgress >= 1) {
        lastProgress = time;
        onProgress({ time, duration });
      }
      // Once per media second: a handful of property reads, nothing per frame.
      if (this.onLevels && time >= nextLevelsAt) {
        nextLevelsAt = Math.floor(time) + 1;
        this.onLevels({ t: time, ...readLevels(this.detectors) }, duration);
      }
    };
    return {
      analysisFrame: (frame: LumaFrame) => {
        const events = [
          ...this.unwatched.progress(frame.time),
          ...analysis.flatMap((d) => d.push(frame)),
          ...native.flatMap((d) => (d.input === "native-video" ? (d.pushAnalysis?.(frame) ?? []) : [])),
        ];
        // After the detectors saw the frame, so the levels read are this frame's.
        progress(frame.time);
        latest = Math.max(latest, frame.time);
        return this.deliver(events);
      },
      syncPicture: (frame: LumaFrame) => this.deliver(both.flatMap((d) => d.pushPicture(frame))),
      nativeFrame: (frame: LumaFrame) => this.deliver(native.flatMap((d) => d.push(frame))),
      audio: (chunk: AudioChunk, track: number) => {
        this.evidence?.recorder.sound(chunk, track);
        if (track !== 0) return this.deliver(this.pushAudio(chunk, track));
        const events = [
          ...this.unwatched.progress(chunk.time),
          ...this.pushAudio(chunk, 0),
          ...captions.flatMap((d) => d.push(chunk)),
          ...both.flatMap((d) => d.pushAudio(chunk)),
        ];
        if (analysis.length === 0) progress(chunk.time);
        latest = Math.max(latest, chunk.time);
        return this.deliver(events);
      },
      decodeError: (event: DecodeErrorEvent) =>
        this.deliver(native.flatMap((d) => (d.input === "native-video" ? d.pushDecodeError(event) : []))),
      evidencePicture: (picture) => this.evidence && this.release(this.evidence.recorder.picture(picture)),
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

  /**
   * Closes whatever is still open at the end of the media (`extents` say where each stream began and ended);
   * events still waiting for a picture go too.
   */
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
    if (this.evidence) await this.release(this.evidence.recorder.drain());
  }

  /** With their evidence, when it was kept. */
  closedDefects(): (ClosedDefect & { evidence?: Evidence })[] {
    return [...this.closed]
      .map((defect) => {
        const evidence = this.kept.get(defectKey(defect));
        return evidence ? { ...defect, evidence } : defect;
      })
      .sort((a, b) => a.start - b.start || a.type.localeCompare(b.type) || (a.track ?? 0) - (b.track ?? 0));
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
    if (this.evidence) return this.release(this.evidence.recorder.admit(events));
    if (!this.listener) return;
    const pending = events
      .map((e) => this.listener?.(e))
      .filter((p): p is Promise<void> => p instanceof Promise);
    if (pending.length) return Promise.all(pending).then(() => undefined);
  }

  private release(released: readonly Released<DetectorEvent>[]): void | Promise<void> {
    if (released.length === 0) return;
    this.chain = this.chain.then(async () => {
      for (const item of released) await this.publish(item);
    });
    return this.chain;
  }

  private async publish({ event, image }: Released<DetectorEvent>): Promise<void> {
    const evidence = image && (await this.evidence?.keep(event, image));
    if (evidence) this.kept.set(defectKey(event.defect), evidence);
    await this.listener?.(evidence ? { ...event, evidence } : event);
  }
}

function audioVideo(detectors: readonly Detector[]): AudioVideoDetector[] {
  return detectors.filter((d): d is AudioVideoDetector => d.input === "audio-video");
}
