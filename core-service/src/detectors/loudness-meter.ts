/**
 * A streaming ITU-R BS.1770-4 / EBU R128 loudness meter: momentary (400 ms), short-term (3 s) and gated
 * integrated loudness, for any sample rate and channel layout, in bounded memory.
 *
 * Audio is measured in 100 ms steps ("sub-blocks"): every gating block of the standard (400 ms, 75 % overlap)
 * and every short-term window (3 s, updated every 100 ms) is a run of whole sub-blocks, so a ring of the last
 * 30 sub-block energies is all the history the meter needs.
 */
import { KWeightingFilter } from "./k-weighting.ts";

const SUB_BLOCKS_PER_SECOND = 10;
const MOMENTARY_SUB_BLOCKS = 4;
const SHORT_TERM_SUB_BLOCKS = 30;
const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
/** Histogram of gating-block energies, like libebur128: 0.1 LU bins from the absolute gate to +30 LUFS. */
const HISTOGRAM_FLOOR_LUFS = ABSOLUTE_GATE_LUFS;
const HISTOGRAM_BINS_PER_LU = 10;
const HISTOGRAM_BINS = 100 * HISTOGRAM_BINS_PER_LU;

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

/** Loudness in LUFS of a channel-weighted mean square; −Infinity for digital silence. */
export function energyToLufs(energy: number): number {
  return -0.691 + 10 * Math.log10(energy);
}

export function lufsToEnergy(lufs: number): number {
  return 10 ** ((lufs + 0.691) / 10);
}

/** One completed 100 ms step of the meter. Loudness values are LUFS; null until the window is full. */
export interface MeterStep {
  readonly start: number;
  readonly end: number;
  /** Channel-weighted mean square of this 100 ms alone (for locating edges). */
  readonly energy: number;
  readonly momentary: number | null;
  readonly shortTerm: number | null;
}

export interface MeterFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly channelNames: readonly string[];
}

export class LoudnessMeter {
  readonly format: MeterFormat;
  private readonly filters: KWeightingFilter[];
  private readonly weights: Float64Array;
  private readonly ringSums = new Float64Array(SHORT_TERM_SUB_BLOCKS);
  private readonly ringCounts = new Float64Array(SHORT_TERM_SUB_BLOCKS);
  private completedSubBlocks = 0;
  private samplesSeen = 0;
  private nextBoundary: number;
  private currentSum = 0;
  private currentCount = 0;
  private currentStart = 0;
  private readonly gated = new GatingHistogram();

  constructor(format: MeterFormat) {
    this.format = format;
    this.filters = Array.from({ length: format.channels }, () => new KWeightingFilter(format.sampleRate));
    this.weights = channelWeights(format.channelNames, format.channels);
    this.nextBoundary = this.boundary(1);
  }

  /** Measures interleaved samples whose first frame is at `time`; returns the 100 ms steps completed. */
  push(samples: Float32Array, time: number): MeterStep[] {
    const { channels, sampleRate } = this.format;
    const frames = Math.floor(samples.length / channels);
    const steps: MeterStep[] = [];
    let offset = 0;
    while (offset < frames) {
      if (this.currentCount === 0) this.currentStart = time + offset / sampleRate;
      const take = Math.min(frames - offset, this.nextBoundary - this.samplesSeen);
      this.currentSum += this.weightedSumOfSquares(samples, offset, offset + take);
      this.currentCount += take;
      this.samplesSeen += take;
      offset += take;
      if (this.samplesSeen === this.nextBoundary) steps.push(this.completeSubBlock());
    }
    return steps;
  }

  /** Gated integrated loudness of everything measured so far, or null when no block passed the gates. */
  integrated(): number | null {
    return this.gated.integrated();
  }

  private weightedSumOfSquares(samples: Float32Array, from: number, to: number): number {
    let sum = 0;
    for (let c = 0; c < this.filters.length; c++) {
      const weight = this.weights[c] as number;
      const squares = (this.filters[c] as KWeightingFilter).sumOfSquares(
        samples,
        c,
        this.filters.length,
        from,
        to,
      );
      sum += weight * squares;
    }
    return sum;
  }

  private completeSubBlock(): MeterStep {
    const slot = this.completedSubBlocks % SHORT_TERM_SUB_BLOCKS;
    this.ringSums[slot] = this.currentSum;
    this.ringCounts[slot] = this.currentCount;
    this.completedSubBlocks++;
    const step: MeterStep = {
      start: this.currentStart,
      end: this.currentStart + this.currentCount / this.format.sampleRate,
      energy: this.currentSum / this.currentCount,
      momentary: this.windowLoudness(MOMENTARY_SUB_BLOCKS),
      shortTerm: this.windowLoudness(SHORT_TERM_SUB_BLOCKS),
    };
    if (step.momentary !== null) this.gated.add(this.windowEnergy(MOMENTARY_SUB_BLOCKS));
    this.currentSum = 0;
    this.currentCount = 0;
    this.nextBoundary = this.boundary(this.completedSubBlocks + 1);
    return step;
  }

  /** Sample index where sub-block k starts; rounding keeps 100 ms on average at rates like 11025 Hz. */
  private boundary(k: number): number {
    return Math.round((k * this.format.sampleRate) / SUB_BLOCKS_PER_SECOND);
  }

  private windowLoudness(subBlocks: number): number | null {
    if (this.completedSubBlocks < subBlocks) return null;
    return energyToLufs(this.windowEnergy(subBlocks));
  }

  private windowEnergy(subBlocks: number): number {
    let sum = 0;
    let count = 0;
    for (let i = 1; i <= subBlocks; i++) {
      const slot = (this.completedSubBlocks - i) % SHORT_TERM_SUB_BLOCKS;
      sum += this.ringSums[slot] as number;
      count += this.ringCounts[slot] as number;
    }
    return sum / count;
  }
}

/**
 * Gating blocks above the absolute gate, binned by loudness. Each bin keeps its exact energy sum, so only
 * the one bin that straddles the relative gate is approximated (to 0.1 LU), and memory stays constant however
 * long the programme runs.
 */
class GatingHistogram {
  private readonly energy = new Float64Array(HISTOGRAM_BINS);
  private readonly count = new Float64Array(HISTOGRAM_BINS);

  add(blockEnergy: number): void {
    const lufs = energyToLufs(blockEnergy);
    if (!(lufs > ABSOLUTE_GATE_LUFS)) return;
    const bin = Math.min(
      HISTOGRAM_BINS - 1,
      Math.floor((lufs - HISTOGRAM_FLOOR_LUFS) * HISTOGRAM_BINS_PER_LU),
    );
    this.energy[bin] = (this.energy[bin] as number) + blockEnergy;
    this.count[bin] = (this.count[bin] as number) + 1;
  }

  integrated(): number | null {
    const all = this.meanAbove(() => true);
    if (all === null) return null;
    const relativeGate = energyToLufs(all) + RELATIVE_GATE_LU;
    const gated = this.meanAbove((bin) => energyToLufs(this.binMean(bin)) > relativeGate);
    return gated === null ? null : energyToLufs(gated);
  }

  private binMean(bin: number): number {
    return (this.energy[bin] as number) / (this.count[bin] as number);
  }

  private meanAbove(keep: (bin: number) => boolean): number | null {
    let energy = 0;
    let count = 0;
    for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
      if ((this.count[bin] as number) === 0 || !keep(bin)) continue;
      energy += this.energy[bin] as number;
      count += this.count[bin] as number;
    }
    return count === 0 ? null : energy / count;
  }
}
