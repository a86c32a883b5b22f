/**
 * Picks each defect's evidence from what the one decode already produced: the recent colour pictures (a ring
 * of the last few) and the recent sound levels (sound-levels.ts). Pure: no I/O; storing the image is the
 * keeper's job (EvidenceKeeper, given by whoever runs the analysis).
 *
 * A defect is detected from one output of the decode (luma, PCM) while its picture travels on another, so the
 * picture at a black or frozen onset may not have arrived when the defect opens. Detector events therefore
 * wait here, in order, until the pictures have reached the onset (or the decode ends, or — live — a few
 * seconds of wall time pass); decoding is never held for it, only the events are.
 */
import type { AudioChunk, DetectorEvent } from "../detectors/types.ts";
import { type Defect, defectKind } from "../domain/defect.ts";
import {
  EVIDENCE_FORMATS,
  type Evidence,
  type EvidenceImage,
  evidenceFormatFor,
  isSeenInThePicture,
} from "../domain/evidence.ts";
import type { EvidencePicture } from "../media/decode-outputs.ts";
import { SoundLevels } from "./sound-levels.ts";
import { renderSoundStrip } from "./sound-strip.ts";

/**
 * Stores one defect's image and says where it is. Undefined: it was not kept, and the event goes out without
 * evidence (a failed store is the keeper's to report; an alert is never held back for want of a picture).
 */
export type EvidenceKeeper<E extends DetectorEvent = DetectorEvent> = (
  event: E,
  image: EvidenceImage,
) => Promise<Evidence | undefined>;

/** An event let through, with the image of its defect when it is the defect's first event. */
export interface Released<E extends DetectorEvent> {
  readonly event: E;
  readonly image?: EvidenceImage;
}

export interface EvidenceRecorderOptions {
  /** Whether the decode makes evidence pictures; without them picture defects go out without evidence. */
  readonly pictures: boolean;
  /** Wall clock, for `overdue` (live sources). */
  readonly nowMs?: () => number;
}

/** 5 s of pictures at 2 a second: a defect's first picture after its onset is in there when it opens. */
const KEPT_PICTURES = 10;
/** The sound strip starts this long before the onset and shows at most this long after it. */
const STRIP_LEAD_SECONDS = 5;
const STRIP_TRAIL_SECONDS = 15;
/** Picture and onset times come from the same frame clock; this absorbs float sums. */
const TIME_EPSILON = 1e-6;

interface Waiting<E> {
  readonly event: E;
  readonly sinceMs: number;
}

export class EvidenceRecorder<E extends DetectorEvent> {
  readonly #options: EvidenceRecorderOptions;
  readonly #pictures: EvidencePicture[] = [];
  /** Each audio track's recent levels (from 0, as the decode numbers them), and where its sound has reached. */
  readonly #sound = new Map<number, { levels: SoundLevels; until: number }>();
  readonly #waiting: Waiting<E>[] = [];
  /** Defects (defectKey) whose open event has gone by: their close needs no image. */
  readonly #opened = new Set<string>();

  constructor(options: EvidenceRecorderOptions) {
    this.#options = options;
  }

  /** A decoded picture; returns the events it lets through. */
  picture(picture: EvidencePicture): Released<E>[] {
    this.#pictures.push(picture);
    if (this.#pictures.length > KEPT_PICTURES) this.#pictures.shift();
    return this.#release(false);
  }

  /**
   * Decoded sound of audio track `track` (from 0), given before the detectors see it (so a sound defect's onset
   * is always covered). A defect's strip is drawn from its own track's levels.
   */
  sound(chunk: AudioChunk, track = 0): void {
    let sound = this.#sound.get(track);
    if (!sound) {
      sound = { levels: new SoundLevels(), until: Number.NEGATIVE_INFINITY };
      this.#sound.set(track, sound);
    }
    sound.levels.push(chunk);
    sound.until = chunk.time + chunk.samples.length / chunk.channels / chunk.sampleRate;
  }

  /** The detectors' events, in order; returns those that can go now, with their images. */
  admit(events: readonly E[]): Released<E>[] {
    if (events.length === 0) return [];
    const sinceMs = this.#options.nowMs?.() ?? 0;
    for (const event of events) this.#waiting.push({ event, sinceMs });
    return this.#release(false);
  }

  /** Live sources: events that waited `maxWaitMs` or more go with the best image there is (a stalled picture). */
  overdue(maxWaitMs: number): Released<E>[] {
    const now = this.#options.nowMs?.() ?? 0;
    const head = this.#waiting[0];
    if (!head || now - head.sinceMs < maxWaitMs) return [];
    return this.#release(true);
  }

  /** The decode ended: everything still waiting goes, with the best image there is. */
  drain(): Released<E>[] {
    return this.#release(true);
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  #release(force: boolean): Released<E>[] {
    const released: Released<E>[] = [];
    for (let head = this.#waiting[0]; head; head = this.#waiting[0]) {
      const { event } = head;
      const wantsImage = this.#wantsImage(event);
      if (wantsImage && !force && !this.#ready(event.defect)) break;
      this.#waiting.shift();
      this.#note(event);
      const image = wantsImage ? this.#image(event.defect) : undefined;
      released.push(image ? { event, image } : { event });
    }
    return released;
  }

  /** A defect's first event carries its image: its open, or its close when it was never opened. */
  #wantsImage(event: E): boolean {
    return event.kind === "open" || !this.#opened.has(defectKey(event.defect));
  }

  #note(event: E): void {
    const key = defectKey(event.defect);
    if (event.kind === "open") this.#opened.add(key);
    else this.#opened.delete(key);
  }

  #ready(defect: Defect): boolean {
    if (evidenceFormatFor(defect) !== EVIDENCE_FORMATS.picture) return true;
    if (!this.#options.pictures || !isSeenInThePicture(defect)) return true;
    const latest = this.#pictures.at(-1);
    return latest !== undefined && latest.time >= defect.start - TIME_EPSILON;
  }

  #image(defect: Defect): EvidenceImage | undefined {
    switch (evidenceFormatFor(defect)) {
      case EVIDENCE_FORMATS.sound:
        return this.#strip(defect);
      case EVIDENCE_FORMATS.picture:
        return this.#picture(defect);
      default:
        return undefined;
    }
  }

  /** The first picture at or after the onset; the last one before it when none is (a stall, lost video). */
  #picture(defect: Defect): EvidenceImage | undefined {
    const chosen = this.#pictures.find((p) => p.time >= defect.start - TIME_EPSILON) ?? this.#pictures.at(-1);
    return chosen && { format: EVIDENCE_FORMATS.picture, bytes: chosen.jpeg, at: chosen.time };
  }

  #strip(defect: Defect): EvidenceImage | undefined {
    // A defect of a multi-track source names its track from 1; a single track's defects name none.
    const sound = this.#sound.get((defect.track ?? 1) - 1);
    if (!sound) return undefined;
    const to = Math.min(defect.start + STRIP_TRAIL_SECONDS, sound.until);
    const points = sound.levels.between(defect.start - STRIP_LEAD_SECONDS, to);
    const first = points[0];
    if (!first || points.length < 2) return undefined;
    // Near the start of the media the strip begins with the sound, not before it.
    const svg = renderSoundStrip({
      type: defect.type,
      ...(defect.track !== undefined && { track: defect.track }),
      onset: defect.start,
      from: first.t,
      to,
      points,
    });
    return { format: EVIDENCE_FORMATS.sound, bytes: new TextEncoder().encode(svg), at: defect.start };
  }
}

/**
 * One defect, as its open and close events both name it: what its alertId hashes (kind, onset to the
 * millisecond, track), so two defects with distinct alerts never share an image.
 */
export function defectKey(
  defect: Pick<Defect, "type" | "start"> & Partial<Pick<Defect, "metrics" | "track">>,
): string {
  const track = defect.track === undefined ? "" : `#${defect.track}`;
  return `${defectKind(defect)}@${defect.start.toFixed(3)}${track}`;
}
