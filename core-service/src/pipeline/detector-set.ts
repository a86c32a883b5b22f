/** Routes decoded media to the detectors that want it and gathers what they report. */

import type { AudioChunk, DecodeErrorEvent, Detector, DetectorEvent, LumaFrame } from "../detectors/types.ts";
import type { ClosedDefect } from "../domain/defect.ts";
import { type LevelsPoint, readLevels } from "../domain/signal-levels.ts";
import type { DecodeSink } from "../media/decoder.ts";

type Listener = (event: DetectorEvent) => void | Promise<void>;
export type LevelsListener = (point: LevelsPoint, mediaDuration: number | undefined) => void;

export class DetectorSet {
  private readonly closed: ClosedDefect[] = [];

  constructor(
    private readonly detectors: readonly Detector[],
    private readonly listener?: Listener,
    private readonly onLevels?: LevelsListener,
  ) {}

  sink(
    onProgress?: (p: { time: number; duration: number | undefined }) => void,
    duration?: number,
  ): DecodeSink {
    const analysis = this.detectors.filter((d) => d.input === "analysis-video");
    const native = this.detectors.filter((d) => d.input === "native-video");
    const audio = this.detectors.filter((d) => d.input === "audio");
    let lastProgress = -1;
    let nextLevelsAt = 0;
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
        const events = analysis.flatMap((d) => d.push(frame));
        progress(frame.time);
        return this.deliver(events);
      },
      nativeFrame: (frame: LumaFrame) => this.deliver(native.flatMap((d) => d.push(frame))),
      audio: (chunk: AudioChunk) => {
        const events = audio.flatMap((d) => d.push(chunk));
        if (analysis.length === 0) progress(chunk.time);
        return this.deliver(events);
      },
      decodeError: (event: DecodeErrorEvent) =>
        this.deliver(native.flatMap((d) => (d.input === "native-video" ? d.pushDecodeError(event) : []))),
    };
  }

  /** Closes whatever is still open at the end of the media. */
  async finish(endTime: number): Promise<void> {
    await this.deliver(this.detectors.flatMap((d) => d.flush(endTime)));
  }

  closedDefects(): ClosedDefect[] {
    return [...this.closed].sort((a, b) => a.start - b.start || a.type.localeCompare(b.type));
  }

  summaries(): Record<string, number | null> {
    return Object.assign({}, ...this.detectors.map((d) => d.summary?.() ?? {}));
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
