/**
 * A streaming ITU-R BS.1770-4 / EBU R128 meter ("EBU Mode", EBU Tech 3341): momentary (400 ms), short-term
 * (3 s), gated integrated loudness, Loudness Range (Tech 3342) and true peak, for any sample rate and channel
 * layout, in bounded memory. A pure class: one instance per audio track.
 *
 * Audio is measured in 10 ms ticks. Every window of the standard is a run of whole ticks, so a ring of the last
 * 300 tick energies is all the history the meter needs: momentary and short-term loudness are evaluated every
 * tick (their maxima then hit a 400 ms burst placed anywhere on a 10 ms grid, Tech 3341 cases 10 and 13), and
 * every 10th tick closes a 100 ms step, which feeds the gating blocks (400 ms, 75 % overlap), the LRA's 10 Hz
 * short-term series, and the detector.
 */
import { KWeightingFilter } from "./k-weighting.ts";
import { energyToLufs, GatingHistogram, LoudnessRangeHistogram } from "./loudness-statistics.ts";
import { amplitudeToDb, TruePeakFilter } from "./true-peak.ts";

const TICKS_PER_SECOND = 100;
const TICKS_PER_STEP = 10;
const MOMENTARY_TICKS = 40;
const SHORT_TERM_TICKS = 300;

/** BS.1770 channel weights: surrounds 1.41 (+1.5 dB), LFE not measured, everything else 1.0. */
const SURROUND_WEIGHT = 1.41;
const SURROUND_CHANNELS = new Set(["BL", "BR", "BC", "SL", "SR", "TBL", "TBR", "TBC", "SDL", "SDR"]);
const LFE_CHANNELS = new Set(["LFE", "LFE2", "LFE1"]);

/** ffmpeg's default layout for a channel count (the first standard layout with that many channels). */
const DEFAULT_LAYOUTS: Readonly<Record<number, readonly string[]>> = {
  1: ["FC"],
  2: ["FL", "FR"],
  3: ["FL", "FR", "LFE"],
  4: ["FL", "FR", "FC", "BC"],
  5: ["FL", "FR", "FC", "BL", "BR"],
  6: ["FL", "FR", "FC", "LFE", "BL", "BR"],
  7: ["FL", "FR", "FC", "LFE", "BC", "SL", "SR"],
  8: ["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"],
};

/** Weight of each channel; names that are missing or do not match the count fall back to ffmpeg's defaults. */
export function channelWeights(channelNames: readonly string[], channels: number): Float64Array {
  const names = channelNames.length === channels ? channelNames : (DEFAULT_LAYOUTS[channels] ?? []);
  return Float64Array.from({ length: channels }, (_, i) => {
    const name = (names[i] ?? "").toUpperCase();
    if (LFE_CHANNELS.has(name)) return 0;
    return SURROUND_CHANNELS.has(name) ? SURROUND_WEIGHT : 1;
  });
}

/**
 * One 10 ms tick: its extent on the media timeline, its true peak (linear, over every channel, LFE too) and the
 * momentary loudness of the 400 ms ending with it (LUFS; null in the first 400 ms).
 */
export interface MeterTick {
  readonly start: number;
  readonly end: number;
  readonly truePeak: number;
  readonly momentary: number | null;
}

/** One completed 100 ms step of the meter. Loudness values are LUFS; null until the window is full. */
export interface MeterStep {
  readonly start: number;
  readonly end: number;
  /** Channel-weighted mean square of this 100 ms alone (for locating edges). */
  readonly energy: number;
  readonly momentary: number | null;
  readonly shortTerm: number | null;
  readonly ticks: readonly MeterTick[];
}

export interface MeterFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly channelNames: readonly string[];
}

export interface MeterOptions {
  /**
   * dBTP above which every tick's true peak must be exact (the detector's limit). Below it and below the
   * programme's peak so far, a tick that cannot reach either is not oversampled (its tick value is then only
   * the sample peak).
   */
  readonly truePeakLimit?: number;
}

/** What an R128 meter reports for a whole programme; null where a value is undefined (too short, all gated). */
export interface LoudnessFigures {
  readonly integrated: number | null;
  readonly range: number | null;
  readonly truePeak: number | null;
  readonly maxMomentary: number | null;
  readonly maxShortTerm: number | null;
}

export class LoudnessMeter {
  readonly format: MeterFormat;
  private readonly kWeighting: KWeightingFilter[];
  private readonly truePeakFilters: TruePeakFilter[];
  private readonly weights: Float64Array;
  private readonly truePeakLimit: number;
  private readonly ringSums = new Float64Array(SHORT_TERM_TICKS);
  private readonly ringCounts = new Float64Array(SHORT_TERM_TICKS);
  private ticksDone = 0;
  private samplesSeen = 0;
  private nextBoundary: number;
  private tickSum = 0;
  private tickCount = 0;
  private tickStart = 0;
  private tickPeak = 0;
  private stepTicks: MeterTick[] = [];
  private peakSoFar = 0;
  private momentaryMax = Number.NEGATIVE_INFINITY;
  private shortTermMax = Number.NEGATIVE_INFINITY;
  private readonly gated = new GatingHistogram();
  private readonly range = new LoudnessRangeHistogram();

  constructor(format: MeterFormat, options: MeterOptions = {}) {
    this.format = format;
    this.kWeighting = Array.from({ length: format.channels }, () => new KWeightingFilter(format.sampleRate));
    this.truePeakFilters = Array.from({ length: format.channels }, () => new TruePeakFilter());
    this.weights = channelWeights(format.channelNames, format.channels);
    this.truePeakLimit = 10 ** ((options.truePeakLimit ?? Number.POSITIVE_INFINITY) / 20);
    this.nextBoundary = this.boundary(1);
  }

  /** Measures interleaved samples whose first frame is at `time`; returns the 100 ms steps completed. */
  push(samples: Float32Array, time: number): MeterStep[] {
    const { channels, sampleRate } = this.format;
    const frames = Math.floor(samples.length / channels);
    const steps: MeterStep[] = [];
    let offset = 0;
    while (offset < frames) {
      if (this.tickCount === 0) this.tickStart = time + offset / sampleRate;
      const take = Math.min(frames - offset, this.nextBoundary - this.samplesSeen);
      this.measure(samples, offset, offset + take);
      this.tickCount += take;
      this.samplesSeen += take;
      offset += take;
      if (this.samplesSeen === this.nextBoundary) {
        const step = this.completeTick();
        if (step) steps.push(step);
      }
    }
    return steps;
  }

  /** Gated integrated loudness of everything measured so far, or null when no block passed the gates. */
  integrated(): number | null {
    return this.gated.integrated();
  }

  figures(): LoudnessFigures {
    return {
      integrated: this.gated.integrated(),
      range: this.range.range(),
      truePeak: finiteOrNull(amplitudeToDb(this.peakSoFar)),
      maxMomentary: finiteOrNull(this.momentaryMax),
      maxShortTerm: finiteOrNull(this.shortTermMax),
    };
  }

  private measure(samples: Float32Array, from: number, to: number): void {
    const channels = this.format.channels;
    // Oversampling is exact wherever it could matter: above the limit, or above the loudest peak so far.
    const floor = Math.min(this.truePeakLimit, this.peakSoFar);
    let sum = 0;
    let peak = this.tickPeak;
    for (let c = 0; c < channels; c++) {
      const weight = this.weights[c] as number;
      if (weight > 0) {
        sum += weight * (this.kWeighting[c] as KWeightingFilter).sumOfSquares(samples, c, channels, from, to);
      }
      peak = Math.max(
        peak,
        (this.truePeakFilters[c] as TruePeakFilter).peak(samples, c, channels, from, to, floor),
      );
    }
    this.tickSum += sum;
    this.tickPeak = peak;
  }

  private completeTick(): MeterStep | undefined {
    const slot = this.ticksDone % SHORT_TERM_TICKS;
    this.ringSums[slot] = this.tickSum;
    this.ringCounts[slot] = this.tickCount;
    this.ticksDone++;
    const end = this.tickStart + this.tickCount / this.format.sampleRate;
    this.peakSoFar = Math.max(this.peakSoFar, this.tickPeak);
    const momentary = this.windowEnergy(MOMENTARY_TICKS);
    const shortTerm = this.windowEnergy(SHORT_TERM_TICKS);
    const momentaryLufs = momentary === null ? null : energyToLufs(momentary);
    this.stepTicks.push({ start: this.tickStart, end, truePeak: this.tickPeak, momentary: momentaryLufs });
    if (momentaryLufs !== null) this.momentaryMax = Math.max(this.momentaryMax, momentaryLufs);
    if (shortTerm !== null) this.shortTermMax = Math.max(this.shortTermMax, energyToLufs(shortTerm));
    this.tickSum = 0;
    this.tickCount = 0;
    this.tickPeak = 0;
    this.nextBoundary = this.boundary(this.ticksDone + 1);
    return this.ticksDone % TICKS_PER_STEP === 0 ? this.completeStep(momentary, shortTerm) : undefined;
  }

  private completeStep(momentary: number | null, shortTerm: number | null): MeterStep {
    const ticks = this.stepTicks;
    this.stepTicks = [];
    const first = ticks[0] as MeterTick;
    const last = ticks[ticks.length - 1] as MeterTick;
    if (momentary !== null) this.gated.add(momentary);
    if (shortTerm !== null) this.range.add(energyToLufs(shortTerm));
    return {
      start: first.start,
      end: last.end,
      energy: this.windowEnergy(TICKS_PER_STEP) ?? 0,
      momentary: momentary === null ? null : energyToLufs(momentary),
      shortTerm: shortTerm === null ? null : energyToLufs(shortTerm),
      ticks,
    };
  }

  /** Sample index where tick k starts; rounding keeps 10 ms on average at rates like 11025 Hz. */
  private boundary(k: number): number {
    return Math.round((k * this.format.sampleRate) / TICKS_PER_SECOND);
  }

  /** Mean weighted square over the last `ticks` ticks, or null before that many have completed. */
  private windowEnergy(ticks: number): number | null {
    if (this.ticksDone < ticks) return null;
    let sum = 0;
    let count = 0;
    for (let i = 1; i <= ticks; i++) {
      const slot = (this.ticksDone - i) % SHORT_TERM_TICKS;
      sum += this.ringSums[slot] as number;
      count += this.ringCounts[slot] as number;
    }
    return sum / count;
  }
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
