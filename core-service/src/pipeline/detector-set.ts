/** Routes decoded media to the detectors that want it and gathers what they report. */

import { detectorSummaries } from "../detectors/registry.ts";
import type { AudioChunk, DecodeErrorEvent, Detector, DetectorEvent, LumaFrame } from "../detectors/types.ts";
import type { ClosedDefect } from "../domain/defect.ts";
import type { DecodeSink } from "../media/decoder.ts";
import type { SegmentLocator } from "../media/segment-failures.ts";
import { UnwatchedSegments } from "./unwatched-segments.ts";

type Listener = (event: DetectorEvent) => void | Promise<void>;

export class DetectorSet {
  private readonly closed: ClosedDefect[] = [];
  private readonly unwatched = new UnwatchedSegments();

  /** `segments` finds skipped HLS segments in their playlist (a playlist source only). */
  constructor(
    private readonly detectors: readonly Detector[],
    private readonly listener?: Listener,
    private readonly segments?: SegmentLocator,
  ) {}

  sink(
    onProgress?: (p: { time: number; duration: number | undefined }) => void,
    duration?: number,
  ): DecodeSink {
    const analysis = this.detectors.filter((d) => d.input === "analysis-video");
    const native = this.detectors.filter((d) => d.input === "native-video");
    const audio = this.detectors.filter((d) => d.input === "audio");
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
        ]);
      },
      nativeFrame: (frame: LumaFrame) => this.deliver(native.flatMap((d) => d.push(frame))),
      audio: (chunk: AudioChunk) => {
        if (analysis.length === 0) progress(chunk.time);
        latest = Math.max(latest, chunk.time);
        return this.deliver([...this.unwatched.progress(chunk.time), ...audio.flatMap((d) => d.push(chunk))]);
      },
      decodeError: (event: DecodeErrorEvent) =>
        this.deliver(native.flatMap((d) => (d.input === "native-video" ? d.pushDecodeError(event) : []))),
      segmentFailed: async (failure) => {
        // A file's segments sit where the playlist puts them: the sum of the lengths before them (when the
        // playlist cannot be read again, about where decoding is).
        const span = await this.segments?.span(failure);
        await this.deliver(this.unwatched.failed(failure, span?.start ?? latest, span));
      },
    };
  }

  /** Closes whatever is still open at the end of the media. */
  async finish(endTime: number): Promise<void> {
    await this.deliver([...this.unwatched.finish(), ...this.detectors.flatMap((d) => d.flush(endTime))]);
  }

  closedDefects(): ClosedDefect[] {
    return [...this.closed].sort((a, b) => a.start - b.start || a.type.localeCompare(b.type));
  }

  summaries(): Record<string, number | null> {
    return detectorSummaries(this.detectors);
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
