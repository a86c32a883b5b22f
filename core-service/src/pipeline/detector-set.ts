/**
 * Routes decoded media to the detectors that want it and gathers what they report. Each audio track has its
 * own audio detectors (their state is one stream's); when there are several tracks, the defects they find carry
 * their track's number (`track`, from 1).
 */

import type { AudioChunk, DecodeErrorEvent, Detector, DetectorEvent, LumaFrame } from "../detectors/types.ts";
import type { ClosedDefect } from "../domain/defect.ts";
import type { DecodeSink } from "../media/decoder.ts";

type Listener = (event: DetectorEvent) => void | Promise<void>;

export class DetectorSet {
  private readonly closed: ClosedDefect[] = [];
  /** The audio detectors of each track: the first track's are among `detectors`. */
  private readonly tracks: readonly (readonly Detector[])[];

  /** `moreAudioTracks`: a set of audio detectors for each audio track after the first. */
  constructor(
    private readonly detectors: readonly Detector[],
    private readonly listener?: Listener,
    moreAudioTracks: readonly (readonly Detector[])[] = [],
  ) {
    this.tracks = [detectors.filter((d) => d.input === "audio"), ...moreAudioTracks];
  }

  sink(
    onProgress?: (p: { time: number; duration: number | undefined }) => void,
    duration?: number,
  ): DecodeSink {
    const analysis = this.detectors.filter((d) => d.input === "analysis-video");
    const native = this.detectors.filter((d) => d.input === "native-video");
    let lastProgress = -1;
    const progress = (time: number) => {
      if (onProgress && time - lastProgress >= 1) {
        lastProgress = time;
        onProgress({ time, duration });
      }
    };
    return {
      analysisFrame: (frame: LumaFrame) => {
        progress(frame.time);
        return this.deliver(analysis.flatMap((d) => d.push(frame)));
      },
      nativeFrame: (frame: LumaFrame) => this.deliver(native.flatMap((d) => d.push(frame))),
      audio: (chunk: AudioChunk, track: number) => {
        if (analysis.length === 0 && track === 0) progress(chunk.time);
        const detectors = this.tracks[track] ?? [];
        return this.deliver(
          detectors.flatMap((d) => (d.input === "audio" ? d.push(chunk) : [])),
          track,
        );
      },
      decodeError: (event: DecodeErrorEvent) =>
        this.deliver(native.flatMap((d) => (d.input === "native-video" ? d.pushDecodeError(event) : []))),
    };
  }

  /** Closes whatever is still open at the end of the media. */
  async finish(endTime: number): Promise<void> {
    await this.deliver(this.detectors.flatMap((d) => (d.input === "audio" ? [] : d.flush(endTime))));
    for (const [track, detectors] of this.tracks.entries())
      await this.deliver(
        detectors.flatMap((d) => d.flush(endTime)),
        track,
      );
  }

  closedDefects(): ClosedDefect[] {
    return [...this.closed].sort(
      (a, b) => a.start - b.start || a.type.localeCompare(b.type) || (a.track ?? 0) - (b.track ?? 0),
    );
  }

  /** Figures for the whole source (integrated loudness, …): of the first audio track's detectors. */
  summaries(): Record<string, number | null> {
    return Object.assign({}, ...this.detectors.map((d) => d.summary?.() ?? {}));
  }

  /** The same figures for one audio track (from 0). */
  trackSummaries(track: number): Record<string, number | null> {
    return Object.assign({}, ...(this.tracks[track] ?? []).map((d) => d.summary?.() ?? {}));
  }

  private deliver(found: DetectorEvent[], track?: number): void | Promise<void> {
    if (found.length === 0) return;
    const events =
      track === undefined || this.tracks.length < 2 ? found : found.map((e) => onTrack(e, track));
    for (const event of events) if (event.kind === "close") this.closed.push(event.defect);
    if (!this.listener) return;
    const pending = events
      .map((e) => this.listener?.(e))
      .filter((p): p is Promise<void> => p instanceof Promise);
    if (pending.length) return Promise.all(pending).then(() => undefined);
  }
}

/** The event with its defect stamped with the track's number (from 1, as tracks are named). */
function onTrack(event: DetectorEvent, track: number): DetectorEvent {
  return event.kind === "open"
    ? { kind: "open", defect: { ...event.defect, track: track + 1 } }
    : { kind: "close", defect: { ...event.defect, track: track + 1 } };
}
