/**
 * Turns segments ffmpeg could not open into `unwatched` defects (domain/defect.ts): a run of consecutive
 * failed segments of one playlist is one defect, opened at the first and closed once media plays past the run
 * (or at the end). Its metrics say how much went unwatched: `segments`, and `seconds` when every segment's
 * length was known from the playlist.
 */
import type { DetectorEvent } from "../detectors/types.ts";
import type { ClosedDefect, Defect, Severity } from "../domain/defect.ts";
import type { SegmentSpan } from "../media/hls-playlist.ts";
import type { SegmentFailure } from "../media/segment-failures.ts";

/** A run this long leaves a viewer-noticeable stretch unmonitored for sure. */
const CRITICAL_SECONDS = 10;

interface Run {
  readonly playlist: number;
  readonly start: number;
  lastSequence: number;
  segments: number;
  /** Undefined as soon as one segment's length is unknown. */
  seconds: number | undefined;
}

export class UnwatchedSegments {
  #run: Run | undefined;
  /** Per playlist, the last segment reported: ffmpeg may try a segment again and report it failed again. */
  readonly #reported = new Map<number, number>();

  /**
   * A segment could not be opened. `at` is where it would have played on the media timeline (its place in the
   * playlist for a file, the stream's latest time for a live stream), `span` its place and length if known.
   */
  failed(failure: SegmentFailure, at: number, span: SegmentSpan | undefined): DetectorEvent[] {
    const reported = this.#reported.get(failure.playlist);
    if (reported !== undefined && failure.sequence <= reported) return [];
    this.#reported.set(failure.playlist, failure.sequence);
    const run = this.#run;
    if (run && run.playlist === failure.playlist && failure.sequence === run.lastSequence + 1) {
      run.lastSequence = failure.sequence;
      run.segments++;
      run.seconds = run.seconds === undefined || !span ? undefined : run.seconds + span.duration;
      return [];
    }
    const closing = this.finish();
    this.#run = {
      playlist: failure.playlist,
      start: at,
      lastSequence: failure.sequence,
      segments: 1,
      seconds: span?.duration,
    };
    return [...closing, { kind: "open", defect: this.#defect(this.#run) }];
  }

  /** Media played at `time`: a run that ended before it is over. */
  progress(time: number): DetectorEvent[] {
    const run = this.#run;
    if (!run || time < run.start + (run.seconds ?? 0)) return [];
    return this.finish();
  }

  /** Closes the run still open (the media ended, or another run begins). */
  finish(): DetectorEvent[] {
    const run = this.#run;
    if (!run) return [];
    this.#run = undefined;
    const defect = this.#defect(run);
    return [{ kind: "close", defect: { ...defect, end: run.start + (run.seconds ?? 0) } as ClosedDefect }];
  }

  #defect(run: Run): Defect {
    const metrics: Record<string, number> = { segments: run.segments };
    if (run.seconds !== undefined) metrics.seconds = Math.round(run.seconds * 1000) / 1000;
    const severity: Severity = (run.seconds ?? 0) >= CRITICAL_SECONDS ? "critical" : "major";
    return { type: "unwatched", start: run.start, severity, confidence: 1, metrics };
  }
}
