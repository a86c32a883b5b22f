/**
 * Routes decoded media to the detectors that want it and gathers what they report. With evidence asked for,
 * events pass through the evidence recorder (which may make them wait for their picture) and each defect's
 * image is kept before its first event goes out, one event at a time, in order.
 */

import type { AudioChunk, DecodeErrorEvent, Detector, DetectorEvent, LumaFrame } from "../detectors/types.ts";
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

/** A detector event as the analysis hands it on: the defect's evidence on its first event, when kept. */
export type AnalysisEvent = DetectorEvent & { readonly evidence?: Evidence };
type Listener = (event: AnalysisEvent) => void | Promise<void>;
export type LevelsListener = (point: LevelsPoint, mediaDuration: number | undefined) => void;

export interface DetectorSetEvidence {
  readonly keep: EvidenceKeeper;
  /** Whether the decode makes evidence pictures. */
  readonly pictures: boolean;
}

export class DetectorSet {
  private readonly closed: ClosedDefect[] = [];
  private readonly evidence: { recorder: EvidenceRecorder<DetectorEvent>; keep: EvidenceKeeper } | undefined;
  /** Kept evidence by defect, for the report's closed defects. */
  private readonly kept = new Map<string, Evidence>();
  /** With evidence, events go out one after the other: keeping an image must not reorder them. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly detectors: readonly Detector[],
    private readonly listener?: Listener,
    private readonly onLevels?: LevelsListener,
    evidence?: DetectorSetEvidence,
  ) {
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
        this.evidence?.recorder.sound(chunk);
        const events = audio.flatMap((d) => d.push(chunk));
        if (analysis.length === 0) progress(chunk.time);
        return this.deliver(events);
      },
      decodeError: (event: DecodeErrorEvent) =>
        this.deliver(native.flatMap((d) => (d.input === "native-video" ? d.pushDecodeError(event) : []))),
      evidencePicture: (picture) => this.evidence && this.release(this.evidence.recorder.picture(picture)),
    };
  }

  /** Closes whatever is still open at the end of the media; events still waiting for a picture go too. */
  async finish(endTime: number): Promise<void> {
    await this.deliver(this.detectors.flatMap((d) => d.flush(endTime)));
    if (this.evidence) await this.release(this.evidence.recorder.drain());
  }

  /** With their evidence, when it was kept. */
  closedDefects(): (ClosedDefect & { evidence?: Evidence })[] {
    return [...this.closed]
      .map((defect) => {
        const evidence = this.kept.get(defectKey(defect));
        return evidence ? { ...defect, evidence } : defect;
      })
      .sort((a, b) => a.start - b.start || a.type.localeCompare(b.type));
  }

  summaries(): Record<string, number | null> {
    return Object.assign({}, ...this.detectors.map((d) => d.summary?.() ?? {}));
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
