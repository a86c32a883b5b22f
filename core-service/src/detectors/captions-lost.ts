/**
 * Captions-lost detector: a source that has carried closed captions (CEA-608/708 as ATSC A/53 data in its
 * pictures) stops carrying them while programme audio goes on.
 *
 * What counts is the caption data itself, not its text: a caption encoder with nothing to say still sends cc_data
 * (608 null pairs, 708 padding) in every picture, so a pause in dialogue is not a loss; a loss is the data going
 * away (the caption inserter bypassed, an upstream feed without VANC captions, a transcode that drops SEI).
 * A source that never carried any caption data raises nothing.
 *
 * "Programme goes on" is the audio of the first track not being silent: a stretch of the gap counts toward
 * `minDuration` unless it lies in a silence (every channel below `floorDb` for at least `silenceDuration`, as the
 * silence detector measures one), so pauses in speech count as programme and a silent slate or break does not.
 * The defect starts at the last caption data seen and ends at the first picture that carries captions again, or
 * at the end of the stream.
 *
 * Caption events come from the decoder's stderr and audio from a pipe, so one can run ahead of the other by a
 * fraction of a second (more under backpressure). The audio is the clock: caption times ahead of it wait in a
 * short queue (merged into runs, so its length is the number of gaps in that fraction of a second) and take
 * effect when the audio reaches them; caption times behind it take effect at once, and the last few seconds of
 * audio windows are kept so that a gap starting at such a late caption counts the programme since.
 */
import { z } from "zod";
import type { Defect, Severity } from "../domain/defect.ts";
import type { AudioChunk, CaptionDetector, CaptionEvent, DetectorEvent } from "./types.ts";

export const CaptionsLostOptions = z
  .object({
    /** Seconds of programme without caption data before it is a defect; 30 s rides over ad-break splices. */
    minDuration: z.number().positive().default(30),
    /** Audio level (RMS of the loudest channel, dBFS) under which sound is silence, as the silence detector's. */
    floorDb: z.number().max(0).default(-60),
    /** Quiet this long is a silence (not programme); shorter quiet (a pause in speech) is programme. */
    silenceDuration: z.number().positive().default(2),
    /** A loss lasting this many seconds is critical rather than major. */
    criticalDuration: z.number().positive().default(120),
  })
  .strict();
export type CaptionsLostOptions = z.input<typeof CaptionsLostOptions>;

/** RMS window of the programme measure: fine enough for the 2 s silence rule, cheap on the audio. */
const WINDOW_SECONDS = 0.1;
/**
 * Captions this close together are one run (they are in every picture, or every other one): a gap shorter than
 * this is not tracked at all. Far below any sensible minDuration.
 */
const RUN_GAP_SECONDS = 1;
/** Runs waiting for the audio to catch up; more only when audio stops while captions go on (nothing to decide). */
const MAX_PENDING_RUNS = 64;
/**
 * Audio windows remembered (3 s): captions can reach the detector that much after the audio of the same time
 * (stderr and the audio pipe are read independently; seen: 0.8 s), and a gap starting at such a late caption
 * still counts the programme since.
 */
const RECENT_WINDOWS = 30;
const EPSILON = 1e-6;

interface AudioWindow {
  readonly start: number;
  readonly end: number;
  /** Some channel at or above the floor. */
  readonly loud: boolean;
}

interface CaptionRun {
  readonly first: number;
  last: number;
}

/** An absence of caption data since `start` (the last caption seen), and how much of it was programme. */
interface Gap {
  readonly start: number;
  programme: number;
  /** Quiet seconds since the last sound: programme if the sound comes back soon, silence if it lasts. */
  quiet: number;
  opened: boolean;
}

export function createCaptionsLostDetector(options: CaptionsLostOptions = {}): CaptionDetector {
  const o = CaptionsLostOptions.parse(options);
  const floorMeanSquare = 10 ** (o.floorDb / 10);
  /** Time of the latest caption in effect (at or before the audio clock); undefined until captions appear. */
  let lastCaption: number | undefined;
  const pending: CaptionRun[] = [];
  let clock = 0;
  let gap: Gap | undefined;
  const recent: AudioWindow[] = [];
  const window = { start: 0, frames: 0, size: 0, sums: new Float64Array(0) };

  const defectFor = (g: Gap, end: number): Defect => {
    const duration = end - g.start;
    // Audio counted past a late caption can add a window or so.
    const programme = Math.min(g.programme, duration);
    const severity: Severity = duration >= o.criticalDuration ? "critical" : "major";
    return {
      type: "captions-lost",
      start: g.start,
      severity,
      // All programme: certain. A gap that was partly silence might be a break that legitimately has none.
      confidence: round(0.5 + (0.5 * programme) / Math.max(duration, EPSILON), 2),
      metrics: { duration: round(duration, 3), programmeSeconds: round(programme, 3) },
    };
  };

  /** Captions at `time` take effect: they end a gap that began before them. */
  const captionsAt = (time: number): DetectorEvent[] => {
    const events: DetectorEvent[] = [];
    if (gap && time > gap.start) {
      // Captions named after the audio past them was counted (stderr and the audio pipe race): the programme
      // heard after `time` is not the gap's, so the measure does not depend on which arrived first.
      for (const w of recent) if (w.loud && w.end > time) gap.programme -= w.end - Math.max(w.start, time);
      if (gap.opened) events.push({ kind: "close", defect: { ...defectFor(gap, time), end: time } });
      gap = undefined;
    }
    lastCaption = Math.max(lastCaption ?? time, time);
    return events;
  };

  const queue = (time: number): void => {
    const last = pending.at(-1);
    if (last && time >= last.first && time - last.last <= RUN_GAP_SECONDS)
      last.last = Math.max(last.last, time);
    else pending.push({ first: time, last: time });
    pending.sort((a, b) => a.first - b.first);
    if (pending.length > MAX_PENDING_RUNS) {
      const [a, b] = pending.splice(0, 2) as [CaptionRun, CaptionRun];
      pending.unshift({ first: a.first, last: Math.max(a.last, b.last) });
    }
  };

  /** The part of one audio window inside the gap: programme, or quiet that a silence may turn out to be. */
  const account = (g: Gap, w: AudioWindow): void => {
    const span = w.end - Math.max(w.start, g.start);
    if (span <= 0) return;
    if (w.loud) {
      if (g.quiet < o.silenceDuration - EPSILON) g.programme += g.quiet;
      g.quiet = 0;
      g.programme += span;
    } else g.quiet += span;
  };

  /** One window of audio: the captions that fell inside it take effect, then the gap since the last one grows. */
  const completeWindow = (current: AudioWindow): DetectorEvent[] => {
    const events: DetectorEvent[] = [];
    while (pending[0] && pending[0].first < current.end) {
      const run = pending.shift() as CaptionRun;
      events.push(...captionsAt(run.first));
      lastCaption = Math.max(lastCaption ?? run.last, run.last);
    }
    clock = current.end;
    recent.push(current);
    if (recent.length > RECENT_WINDOWS) recent.shift();
    if (lastCaption === undefined || current.end <= lastCaption) return events;
    if (gap) account(gap, current);
    else {
      // A gap that began before this window (its last caption came late): count the audio since then too.
      gap = { start: lastCaption, programme: 0, quiet: 0, opened: false };
      for (const w of recent) account(gap, w);
    }
    if (!gap.opened && gap.programme >= o.minDuration - EPSILON) {
      gap.opened = true;
      events.push({ kind: "open", defect: defectFor(gap, current.end) });
    }
    return events;
  };

  const finishWindow = (end: number): DetectorEvent[] => {
    let loudest = 0;
    for (const sum of window.sums) loudest = Math.max(loudest, sum / Math.max(1, window.frames));
    window.sums.fill(0);
    window.frames = 0;
    return completeWindow({ start: window.start, end, loud: loudest >= floorMeanSquare });
  };

  return {
    type: "captions-lost",
    input: "captions",
    pushCaptions(event: CaptionEvent): DetectorEvent[] {
      const { time } = event;
      const continuesRun = lastCaption !== undefined && time - lastCaption <= RUN_GAP_SECONDS;
      if (pending.length === 0 && (time <= clock || continuesRun)) return captionsAt(time);
      queue(time);
      return [];
    },
    push(chunk: AudioChunk): DetectorEvent[] {
      const { channels, sampleRate, samples } = chunk;
      const size = Math.max(1, Math.round(WINDOW_SECONDS * sampleRate));
      if (window.sums.length !== channels || window.size !== size) {
        window.sums = new Float64Array(channels);
        window.size = size;
        window.frames = 0;
      }
      const frames = Math.floor(samples.length / channels);
      const events: DetectorEvent[] = [];
      for (let offset = 0; offset < frames; ) {
        if (window.frames === 0) window.start = chunk.time + offset / sampleRate;
        const take = Math.min(frames - offset, size - window.frames);
        for (let i = offset * channels; i < (offset + take) * channels; i++) {
          const x = samples[i] as number;
          window.sums[i % channels] = (window.sums[i % channels] as number) + x * x;
        }
        window.frames += take;
        offset += take;
        if (window.frames === size) events.push(...finishWindow(window.start + size / sampleRate));
      }
      return events;
    },
    resumeLoss(start: number): void {
      // Its minimum was met before the hand-off: the first audio window re-opens it.
      lastCaption = start;
      gap = { start, programme: o.minDuration, quiet: 0, opened: false };
    },
    flush(endTime: number): DetectorEvent[] {
      const events = window.frames > 0 ? finishWindow(Math.max(endTime, clock)) : [];
      // Captions after the last audio still end a loss (the audio track ended first).
      for (const run of pending.splice(0)) events.push(...captionsAt(run.first));
      if (gap?.opened) events.push({ kind: "close", defect: { ...defectFor(gap, endTime), end: endTime } });
      gap = undefined;
      return events;
    },
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
