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
 * After a complaint or a damaged picture, concealed damage persists until the next keyframe: the interval goes
 * on while the picture shows more broken macroblock edges than its baseline and than lines off the grid, never
 * longer than `maxDamagePersistence` after the last such evidence.
 *
 * Timing: a change seen at one native sample happened somewhere since the one before. When the analysis
 * pictures show one sharp change in that gap (damage appearing, a keyframe repairing it), that is the onset or
 * end; otherwise it is put halfway between the two samples (error at most half the sampling interval). Decoder
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
import { z } from "zod";
import type { Defect, Severity } from "../domain/defect.ts";
import { type BlockingMeasure, measureBlocking } from "./blocking-measure.ts";
import { PictureEvidence } from "./picture-evidence.ts";
import { PictureMotion, type Stall } from "./picture-motion.ts";
import type { DecodeErrorEvent, DetectorEvent, LumaFrame, NativeFrameDetector } from "./types.ts";

export const BlockinessOptions = z
  .object({
    /** Seconds a condition must last before the defect is reported (open is sent once it has). */
    minDuration: z.number().nonnegative().default(0.5),
    /**
     * Grid score (boundary-phase excess over the next phase, in units of the typical luma step) above which a
     * picture is blocky whatever its source. Measured on 640x360 real footage: H.264 CRF 18 ≤ 0.08, MPEG-2
     * q2/1.5 Mb/s 0.1–0.27 (one 0.5 on a first I-frame), MPEG-2 q31 0.44–2.4.
     */
    gridThreshold: z.number().positive().default(0.3),
    /**
     * Terrace score (share of neighbouring blocks that are terraces on the block grid, minus the share off it,
     * in the weaker direction) above which a picture is blocky. Measured at 640x360 (footage, fractal, test
     * pattern, text, cellular textures, tiles, fence, grain): clean H.264/HEVC/VP9/MPEG-2 encodes ≤ 0.028;
     * H.264 QP 42–51 0.085–0.17 on footage and fractal, 0.067 on the test pattern at QP 51; HEVC QP 51
     * 0.045–0.076, QP 46 0.02–0.044.
     */
    terraceThreshold: z.number().positive().default(0.035),
    /** A blocky picture must also score this many times the source's baseline (median of recent clean samples). */
    baselineFactor: z.number().min(1).default(2.5),
    /** Clean samples the baseline remembers (files send 2.5 a second, live streams 2: about 10 s). */
    baselineSamples: z.number().int().positive().default(25),
    /**
     * Misfit-edge score (share of broken 8-pixel block-edge segments on the grid minus the share off it) that
     * no clean picture reaches, damaged whatever came before. Measured: clean encodes ≤ 0.026 (MPEG-2 q4, whose
     * own block edges show), footage ≤ 0.002; damaged footage 0.003–0.03, damaged test patterns 0.01–0.024.
     */
    misfitThreshold: z.number().positive().default(0.04),
    /** Below misfitThreshold, a picture is damaged when its score is at least this… */
    misfitFloor: z.number().positive().default(0.005),
    /** …and this many times the highest of the source's recent clean samples (once there are 5 of them). */
    misfitFactor: z.number().min(1).default(2),
    /**
     * A picture has collapsed to grey (a lost reference) when this share of it is mid-grey (128 ± 4)… Measured:
     * clean pictures ≤ 0.14 (test patterns, phone footage), a noisy grey backdrop 0.3–0.8 (judged against its
     * own baseline); HEVC pictures predicted from a lost reference 0.3–0.87.
     */
    greyFloor: z.number().positive().max(1).default(0.2),
    /** …and this many times the source's baseline share. */
    greyFactor: z.number().min(1).default(4),
    /** Whether decoder complaints count as evidence (false: the pictures alone decide). */
    decoderErrors: z.boolean().default(true),
    /**
     * Seconds after the last decoder error during which the picture counts as damaged whatever it looks like.
     * When it is at least minDuration, a decoder error is reported at once.
     */
    errorHold: z.number().nonnegative().default(0.5),
    /**
     * After decoder errors, the picture stays damaged while the share of broken macroblock edges exceeds this
     * (measured: clean footage 0–0.002, concealed H.264 keyframe 0.003–0.045 until the next keyframe)…
     */
    damageFloor: z.number().positive().default(0.0025),
    /** …and this many times its baseline. */
    damageFactor: z.number().min(1).default(3),
    /** Longest a damage interval is kept open by the picture alone after the last decoder error, in seconds. */
    maxDamagePersistence: z.number().positive().default(10),
    /**
     * A stall (analysis pictures repeated bit for bit) is damage only after a picture that moved by at least
     * this mean luma change, in levels (clean footage moves 1–10)…
     */
    stallMotion: z.number().positive().default(0.5),
    /** …lasting at least this many repeated analysis pictures (about 0.1 s each)… */
    stallPictures: z.number().int().min(1).default(2),
    /** …and ending in a jump this many times the motion before it (a held frame resumes smoothly). */
    stallJumpFactor: z.number().min(1).default(3),
    /** Consecutive clean samples that end an interval (one quiet sample inside a defect does not split it). */
    clearSamples: z.number().int().positive().default(2),
    /** Luma steps above this (8-bit levels) are scene edges, not coding artefacts, and are ignored. */
    edgeCeiling: z.number().int().min(1).max(255).default(64),
    /** Every n-th row (and column) is read for the profile that does not need all of them (1080p: ≈0.5 ms at 2). */
    sampleStep: z.number().int().positive().default(2),
  })
  .strict();
export type BlockinessOptions = z.infer<typeof BlockinessOptions>;

const CONCEALED = /concealing (\d+) DC/;
/** The jump that ends a stall is at least this many levels, whatever the motion before it. */
const STALL_JUMP = 2;
/**
 * A starved encoder's pictures vary around the bars (a scene's detail, the encoder's frame types): an interval of
 * blocking goes on while they reach this share of them, so it is not cut short or split by a milder picture.
 */
const BLOCKING_HOLD = 0.7;
/** Why a sample counts as affected; `stall` intervals come whole from the analysis pictures. */
type Evidence = "blocking" | "picture-damage" | "decoder" | "stall";

interface Run {
  onset: number;
  /** When set, the native samples around the onset, for timing it by the analysis pictures once they are in. */
  onsetWindow: [number, number] | null;
  opened: boolean;
  lastAffected: number;
  firstClean: number | null;
  /** The native samples around the end, as onsetWindow; null when the end is known (an error's hold, a stall). */
  endWindow: [number, number] | null;
  cleanCount: number;
  pictureSamples: number;
  scoreSum: number;
  peak: number;
  peakTerraces: number;
  peakMisfit: number;
  period: number;
  decodeErrors: number;
  concealedBlocks: number;
  stalledPictures: number;
  /** Time of the last sample whose picture itself showed damage. */
  lastPictureDamage: number;
  evidence: Set<Evidence>;
}

function newRun(onset: number, onsetWindow: [number, number] | null = null): Run {
  return {
    onset,
    onsetWindow,
    opened: false,
    lastAffected: onset,
    firstClean: null,
    endWindow: null,
    cleanCount: 0,
    pictureSamples: 0,
    scoreSum: 0,
    peak: 0,
    peakTerraces: 0,
    peakMisfit: 0,
    period: 0,
    decodeErrors: 0,
    concealedBlocks: 0,
    stalledPictures: 0,
    lastPictureDamage: Number.NEGATIVE_INFINITY,
    evidence: new Set(),
  };
}

export function createBlockinessDetector(input: z.input<typeof BlockinessOptions> = {}): NativeFrameDetector {
  const options = BlockinessOptions.parse(input);
  const pictures = new PictureEvidence(options);
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
   * Concealed damage lasts until the next keyframe, fading as the pictures after it refresh parts of it: once a
   * run has evidence of damage (a decoder complaint, a damaged picture), a picture still counts as damaged while
   * it shows more broken macroblock edges than the source's baseline, for at most maxDamagePersistence after the
   * last such evidence. Within errorHold of a complaint, it counts whatever it looks like.
   */
  function persistingDamage(time: number, measure: BlockingMeasure): Evidence | undefined {
    if (!run) return undefined;
    const complained = run.decodeErrors > 0;
    if (complained && time - lastErrorTime <= options.errorHold) return "decoder";
    const lastEvidence = Math.max(
      complained ? lastErrorTime : Number.NEGATIVE_INFINITY,
      run.lastPictureDamage,
    );
    if (time - lastEvidence > options.maxDamagePersistence) return undefined;
    if (!pictures.rough(measure, options.damageFloor)) return undefined;
    return complained ? "decoder" : "picture-damage";
  }

  function maybeOpen(current: Run): DetectorEvent[] {
    if (current.opened || current.lastAffected - current.onset < options.minDuration) return [];
    // Not before the pictures have caught up with the onset: an earlier one may still show the damage began sooner.
    if (previousSampleTime === null || previousSampleTime < current.onset) return [];
    current.opened = true;
    settleOnset(current);
    return [{ kind: "open", defect: describe(current) }];
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
    return lasted ? [{ kind: "close", defect: { ...describe(current), end } }] : [];
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

  /** The end, timed by the analysis pictures when they show the repair; else halfway between the samples. */
  function settledEnd(current: Run): number {
    const end = current.firstClean ?? current.lastAffected;
    if (!current.endWindow) return end;
    const [from, to] = current.endWindow;
    return motion.sharpestChange(from, to) ?? end;
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
      const persisting = persistingDamage(time, measure);
      if (persisting) evidence.push(persisting);
      if (evidence.length > 0) {
        run ??= newRun(halfwayFrom(sinceTime, time), onsetWindow);
        if (picture.damaged) run.lastPictureDamage = Math.max(run.lastPictureDamage, time);
        return onAffected(run, time, evidence, measure);
      }
      // A clean picture is the source's own baseline, also while it ends an interval.
      pictures.learn(measure, picture.greyShare);
      return run ? onClean(run, time) : [];
    },

    pushAnalysis(frame: LumaFrame): DetectorEvent[] {
      const stall = motion.push(frame);
      return stall ? onStall(stall) : [];
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

  function describe(current: Run): Defect {
    const meanScore = current.pictureSamples > 0 ? current.scoreSum / current.pictureSamples : 0;
    return {
      type: "blockiness",
      start: current.onset,
      severity: severityOf(current, options),
      confidence: confidenceOf(current, options),
      metrics: {
        blockiness: round3(meanScore),
        peakBlockiness: round3(current.peak),
        gridPeriod: current.period,
        peakTerraces: round3(current.peakTerraces),
        peakMisfitEdges: round3(current.peakMisfit),
        decodeErrors: current.decodeErrors,
        concealedBlocks: current.concealedBlocks,
        stalledPictures: current.stalledPictures,
      },
    };
  }
}

/** Damage (concealed blocks, misfit edges, a stall) and strong blocking are major; faint blocking is minor. */
function severityOf(current: Run, options: BlockinessOptions): Severity {
  const stronglyBlocky =
    current.peak >= 2 * options.gridThreshold || current.peakTerraces >= 2 * options.terraceThreshold;
  const damaged =
    current.concealedBlocks > 0 || current.evidence.has("picture-damage") || current.evidence.has("stall");
  return stronglyBlocky || damaged ? "major" : "minor";
}

/**
 * Decoder errors are near-certain proof; a stall nearly so; the picture alone grows more certain the further it
 * is past its bar.
 */
function confidenceOf(current: Run, options: BlockinessOptions): number {
  const over = Math.max(
    current.peak / options.gridThreshold,
    current.peakTerraces / options.terraceThreshold,
    current.peakMisfit / options.misfitThreshold,
  );
  const fromPicture = over >= 1 ? Math.min(0.95, 0.6 + 0.35 * (over - 1)) : 0;
  if (current.decodeErrors > 0) return fromPicture > 0 ? 0.98 : 0.9;
  if (current.evidence.has("stall")) return Math.max(0.85, round3(fromPicture));
  if (current.evidence.has("picture-damage")) return Math.max(0.7, round3(fromPicture));
  return round3(fromPicture);
}

/** The middle of [from, to], never after `to`. */
function halfwayFrom(from: number, to: number): number {
  return Math.min(to, (from + to) / 2);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
