/**
 * Block corruption: the block structure of a starved encoder, and transmission damage that the decoder
 * conceals, garbles or drops. The native picture (a few a second) is measured (blocking-measure.ts) and judged
 * against the bars and the source's own baselines (picture-evidence.ts); these open an interval:
 * - a starved encoder: a block grid (MPEG-2, or H.264 without its deblocking filter) or terraces (flat
 *   plateaus on the block grid that H.264's and HEVC's deblocking leave). Once reported, the interval goes on
 *   while the pictures reach BLOCKING_HOLD of the bars (a starved encoder's pictures vary around them);
 * - damage seen in the picture: block edges that stop fitting (misfit edges) or macroblock edges broken far
 *   above the source's recent level, or a collapse to mid-grey (a lost HEVC reference);
 * - the decoder's complaints, a supporting signal (their wording differs per codec and version): a complaint
 *   holds the interval for `errorHold` seconds whatever the pictures show. It opens as soon as the pictures
 *   have caught up with it (stderr is read ahead of the frame pipes, and a picture before it may show that the
 *   damage began earlier). `decoderErrors: false` ignores them.
 * After a complaint or a damaged picture, concealed damage persists until the next keyframe: after a complaint
 * the interval goes on until then when the source has regular keyframes (file analysis is told of them; live
 * sources are not); either way it goes on while the picture shows more broken macroblock edges than its
 * baseline and than lines off the grid, never longer than `maxDamagePersistence` after the last evidence.
 *
 * Timing: damage ends at the keyframe that repaired it, when one is known between the last damage seen and the
 * clean picture. Otherwise a change seen at one native sample happened somewhere since the one before: when the
 * analysis pictures show one sharp change in that gap (damage appearing, a keyframe repairing it), that is the
 * onset or end; else it is put halfway between the two samples (error at most half the sampling interval). Decoder
 * complaints carry their own times; so does a stall next to them (a moving analysis picture repeated bit for
 * bit, frames the decoder dropped, until it jumps at the keyframe that repairs it: picture-motion.ts).
 *
 * Known limits: a picture that really is made of flat 8-pixel cells with modest steps (pixel art scaled by 8, a
 * low-contrast 8x8 checkerboard on the grid) is a block grid and is reported, from its first frame on (raise
 * gridThreshold for such a source); high-contrast cells are ignored as scene edges. Upscaled sources carry a
 * grid at a non-integer period and are not seen. Damage that the decoder conceals smoothly (slow, smooth
 * content) or that touches only a little flat text leaves no misfit edges, and frames the decoder drops leave
 * only repeated pictures, which cannot be told from a short freeze in the source: only the complaints find them.
 */
import type { z } from "zod";
import { BlockinessOptions } from "./blockiness-options.ts";
import { describeRun, type Evidence, newRun, type Run } from "./blockiness-run.ts";
import { type BlockingMeasure, measureBlocking } from "./blocking-measure.ts";
import { KeyframeTimes } from "./keyframe-times.ts";
import { PictureEvidence } from "./picture-evidence.ts";
import { PictureMotion, type Stall } from "./picture-motion.ts";
import type { DecodeErrorEvent, DetectorEvent, LumaFrame, NativeFrameDetector } from "./types.ts";

export { BlockinessOptions };

const CONCEALED = /concealing (\d+) DC/;
/** The jump that ends a stall is at least this many levels, whatever the motion before it. */
const STALL_JUMP = 2;
/**
 * A starved encoder's pictures vary around the bars (a scene's detail, the encoder's frame types): an interval of
 * blocking goes on while they reach this share of them, so it is not cut short or split by a milder picture.
 */
const BLOCKING_HOLD = 0.7;

export function createBlockinessDetector(input: z.input<typeof BlockinessOptions> = {}): NativeFrameDetector {
  const options = BlockinessOptions.parse(input);
  const pictures = new PictureEvidence(options);
  const keyframes = new KeyframeTimes();
  const motion = new PictureMotion({
    stallMotion: options.stallMotion,
    stallJumpFactor: options.stallJumpFactor,
    stallJump: STALL_JUMP,
    stallPictures: options.stallPictures,
    maxStall: options.maxDamagePersistence,
  });
  let run: Run | null = null;
  let lastErrorTime = Number.NEGATIVE_INFINITY;
  /** Time of the picture sample before the current one; null before the first. */
  let previousSampleTime: number | null = null;

  /** Hysteresis: once blocking is reported, the pictures need only BLOCKING_HOLD of the bars to go on with it. */
  const holding = () => (run?.opened && run.evidence.has("blocking") ? BLOCKING_HOLD : 1);

  /**
   * Concealed damage lasts until the next keyframe, fading as the pictures after it refresh parts of it. After a
   * complaint, a picture counts as damaged whatever it looks like for errorHold and, when the source has regular
   * keyframes, until the next one. After a complaint or a damaged picture, it counts as damaged while it shows
   * more broken macroblock edges than the source's baseline (`seen`), for at most maxDamagePersistence after the
   * last such evidence.
   */
  function persistingDamage(
    current: Run,
    time: number,
    measure: BlockingMeasure,
  ): { evidence: Evidence; seen: boolean } | undefined {
    const complained = current.decodeErrors > 0;
    const sinceComplaint = time - lastErrorTime;
    if (complained && keyframes.firstIn(lastErrorTime, time) === undefined) {
      const due = keyframes.regular(options.maxDamagePersistence);
      if (sinceComplaint <= options.errorHold || (due && sinceComplaint <= options.maxDamagePersistence))
        return { evidence: "decoder", seen: false };
    }
    const lastEvidence = Math.max(
      complained ? lastErrorTime : Number.NEGATIVE_INFINITY,
      current.lastPictureDamage,
    );
    if (time - lastEvidence > options.maxDamagePersistence) return undefined;
    if (!pictures.rough(measure, options.damageFloor)) return undefined;
    return { evidence: complained ? "decoder" : "picture-damage", seen: true };
  }

  /** Damage in transit (not a starved encoder), which the next keyframe repairs. */
  const isDamage = (current: Run) =>
    current.evidence.has("decoder") ||
    current.evidence.has("picture-damage") ||
    current.evidence.has("stall");

  function maybeOpen(current: Run): DetectorEvent[] {
    if (current.opened || current.lastAffected - current.onset < options.minDuration) return [];
    // Not before the pictures have caught up with the onset: an earlier one may still show the damage began sooner.
    if (previousSampleTime === null || previousSampleTime < current.onset) return [];
    current.opened = true;
    settleOnset(current);
    return [{ kind: "open", defect: describeRun(current, options) }];
  }

  /** The onset, timed by the analysis pictures once they have caught up with the sample that showed it. */
  function settleOnset(current: Run): void {
    if (!current.onsetWindow) return;
    const [from, to] = current.onsetWindow;
    current.onset = motion.sharpestChange(from, to) ?? current.onset;
    current.onsetWindow = null;
  }

  function finish(current: Run, end: number): DetectorEvent[] {
    run = null;
    settleOnset(current);
    const lasted = current.opened || end - current.onset >= options.minDuration;
    return lasted ? [{ kind: "close", defect: { ...describeRun(current, options), end } }] : [];
  }

  function onAffected(
    current: Run,
    time: number,
    evidence: readonly Evidence[],
    measure: BlockingMeasure | null,
  ): DetectorEvent[] {
    current.lastAffected = Math.max(current.lastAffected, time);
    current.cleanCount = 0;
    current.firstClean = null;
    current.endWindow = null;
    for (const kind of evidence) current.evidence.add(kind);
    if (measure) record(current, measure);
    return maybeOpen(current);
  }

  function record(current: Run, measure: BlockingMeasure): void {
    current.peakTerraces = Math.max(current.peakTerraces, measure.terraces);
    current.peakMisfit = Math.max(current.peakMisfit, measure.misfitEdges);
    if (!pictures.isBlocky(measure, holding())) return;
    current.pictureSamples++;
    current.scoreSum += measure.grid;
    if (measure.grid > current.peak) {
      current.peak = measure.grid;
      current.period = Math.max(measure.acrossColumns.period, measure.acrossRows.period);
    }
  }

  function onClean(current: Run, time: number): DetectorEvent[] {
    if (current.firstClean === null) {
      current.firstClean = halfwayFrom(current.lastAffected, time);
      current.endWindow = [current.lastAffected, time];
    }
    current.cleanCount++;
    if (current.cleanCount < options.clearSamples) return [];
    return finish(current, settledEnd(current));
  }

  /**
   * The end of damage is the keyframe that repaired it, when the decoder reported one between the last damage
   * seen and the clean picture; else (and for a starved encoder) the change the analysis pictures show, or
   * halfway between the samples.
   */
  function settledEnd(current: Run): number {
    const end = current.firstClean ?? current.lastAffected;
    if (!current.endWindow) return end;
    const [from, to] = current.endWindow;
    const repair = isDamage(current) ? keyframes.firstIn(current.lastSeenDamage, to) : undefined;
    return repair ?? motion.sharpestChange(from, to) ?? end;
  }

  /**
   * A stall is taken as damage only next to a decoder complaint: on its own it cannot be told from a short
   * freeze in the source that ends in a cut. With the complaint it times the damage: frames were dropped from
   * its start, and the keyframe that ended it repaired the picture.
   */
  function onStall(stall: Stall): DetectorEvent[] {
    const complained = lastErrorTime >= stall.start - options.errorHold && lastErrorTime <= stall.end;
    if (!run || run.decodeErrors === 0 || !complained) return [];
    if (!run.opened) run.onset = Math.min(run.onset, stall.start);
    run.stalledPictures += stall.pictures;
    const events = onAffected(run, stall.end, ["stall"], null);
    // The jump that ended the stall is the end, unless later samples find the picture still damaged.
    run.firstClean = stall.end;
    return events;
  }

  return {
    type: "blockiness",
    input: "native-video",

    push(frame: LumaFrame): DetectorEvent[] {
      const measure = measureBlocking(frame, options);
      const time = frame.time;
      const sinceTime = previousSampleTime ?? time;
      previousSampleTime = time;
      const picture = pictures.judge(frame, measure, holding());
      const evidence: Evidence[] = [];
      if (picture.blocky) evidence.push("blocking");
      if (picture.damaged) evidence.push("picture-damage");
      const onsetWindow: [number, number] | null = sinceTime < time ? [sinceTime, time] : null;
      // Decoder complaints are read ahead of the pictures they damaged (stderr outruns the frame pipes): a
      // picture before a complaint's onset that shows the damage moves the onset back; a clean one is passed by.
      if (run && time < run.onset) {
        if (evidence.length === 0 || run.opened) return [];
        run.onset = halfwayFrom(sinceTime, time);
        run.onsetWindow = onsetWindow;
      }
      const persisting = run && persistingDamage(run, time, measure);
      if (persisting) evidence.push(persisting.evidence);
      if (evidence.length > 0) {
        run ??= newRun(halfwayFrom(sinceTime, time), onsetWindow);
        if (picture.damaged) run.lastPictureDamage = Math.max(run.lastPictureDamage, time);
        if (picture.damaged || persisting?.seen) run.lastSeenDamage = Math.max(run.lastSeenDamage, time);
        return onAffected(run, time, evidence, measure);
      }
      // A clean picture is the source's own baseline, also while it ends an interval.
      pictures.learn(measure, picture);
      return run ? onClean(run, time) : [];
    },

    pushAnalysis(frame: LumaFrame): DetectorEvent[] {
      const stall = motion.push(frame);
      return stall ? onStall(stall) : [];
    },

    pushKeyframe(time: number): DetectorEvent[] {
      keyframes.add(time);
      return [];
    },

    pushDecodeError(event: DecodeErrorEvent): DetectorEvent[] {
      if (!options.decoderErrors) return [];
      lastErrorTime = Math.max(lastErrorTime, event.time);
      run ??= newRun(event.time);
      if (!run.opened) {
        run.onset = Math.min(run.onset, event.time);
        run.onsetWindow = null;
      }
      run.decodeErrors++;
      run.lastSeenDamage = Math.max(run.lastSeenDamage, event.time);
      run.concealedBlocks += Number(CONCEALED.exec(event.message)?.[1] ?? 0);
      // The decoder has said the picture is damaged: that is evidence for the whole hold, not one instant.
      return onAffected(run, event.time + options.errorHold, ["decoder"], null);
    },

    flush(endTime: number): DetectorEvent[] {
      if (!run) return [];
      const end = run.firstClean !== null ? settledEnd(run) : Math.max(endTime, run.onset);
      return finish(run, end);
    },
  };
}

/** The middle of [from, to], never after `to`. */
function halfwayFrom(from: number, to: number): number {
  return Math.min(to, (from + to) / 2);
}
