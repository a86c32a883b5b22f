/**
 * The two whole-programme statistics of an R128 meter, each in constant memory however long the programme:
 * gated integrated loudness (ITU-R BS.1770-4) and Loudness Range (EBU Tech 3342). Both bin their inputs by
 * 0.1 LU, as libebur128 does, and keep each bin's exact sum, so only the bin that straddles a gate or holds a
 * percentile is approximated, and then to a small fraction of 0.1 LU.
 */

const ABSOLUTE_GATE_LUFS = -70;
const INTEGRATED_RELATIVE_GATE_LU = -10;
/** Tech 3342: short-term values more than 20 LU below the absolute-gated level are background, not programme. */
const RANGE_RELATIVE_GATE_LU = -20;
const RANGE_LOW_PERCENTILE = 0.1;
const RANGE_HIGH_PERCENTILE = 0.95;

const BINS_PER_LU = 10;
/** Bins from the absolute gate to +30 LUFS; anything louder shares the top bin. */
const BINS = 100 * BINS_PER_LU;

/** Loudness in LUFS of a channel-weighted mean square; −Infinity for digital silence. */
export function energyToLufs(energy: number): number {
  return -0.691 + 10 * Math.log10(energy);
}

export function lufsToEnergy(lufs: number): number {
  return 10 ** ((lufs + 0.691) / 10);
}

function binOf(lufs: number): number {
  return Math.min(BINS - 1, Math.floor((lufs - ABSOLUTE_GATE_LUFS) * BINS_PER_LU));
}

/** Gating blocks (400 ms, 75 % overlap) above the absolute gate, for BS.1770's two-stage gated mean. */
export class GatingHistogram {
  private readonly energy = new Float64Array(BINS);
  private readonly count = new Float64Array(BINS);

  add(blockEnergy: number): void {
    const lufs = energyToLufs(blockEnergy);
    if (!(lufs > ABSOLUTE_GATE_LUFS)) return;
    const bin = binOf(lufs);
    this.energy[bin] = (this.energy[bin] as number) + blockEnergy;
    this.count[bin] = (this.count[bin] as number) + 1;
  }

  /** Gated integrated loudness in LUFS, or null when no block passed the gates. */
  integrated(): number | null {
    const all = this.meanAbove(() => true);
    if (all === null) return null;
    const relativeGate = energyToLufs(all) + INTEGRATED_RELATIVE_GATE_LU;
    const gated = this.meanAbove((bin) => energyToLufs(this.binMean(bin)) > relativeGate);
    return gated === null ? null : energyToLufs(gated);
  }

  private binMean(bin: number): number {
    return (this.energy[bin] as number) / (this.count[bin] as number);
  }

  private meanAbove(keep: (bin: number) => boolean): number | null {
    let energy = 0;
    let count = 0;
    for (let bin = 0; bin < BINS; bin++) {
      if ((this.count[bin] as number) === 0 || !keep(bin)) continue;
      energy += this.energy[bin] as number;
      count += this.count[bin] as number;
    }
    return count === 0 ? null : energy / count;
  }
}

/**
 * EBU Tech 3342 Loudness Range: short-term loudness values (3 s windows, sampled at 10 Hz) above the absolute
 * gate, then above a gate 20 LU under their power mean; LRA is the spread between the 10th and 95th
 * percentiles of what remains, following the MATLAB reference in Tech 3342 § 5 (rank round((n−1)·p)).
 */
export class LoudnessRangeHistogram {
  /** Sum of 10^(L/10) over every value above the absolute gate: the power mean needs no binning. */
  private power = 0;
  private values = 0;
  private readonly sum = new Float64Array(BINS);
  private readonly count = new Float64Array(BINS);

  add(shortTermLufs: number): void {
    if (!(shortTermLufs >= ABSOLUTE_GATE_LUFS)) return;
    this.power += 10 ** (shortTermLufs / 10);
    this.values += 1;
    const bin = binOf(shortTermLufs);
    this.sum[bin] = (this.sum[bin] as number) + shortTermLufs;
    this.count[bin] = (this.count[bin] as number) + 1;
  }

  /** LRA in LU, or null when no short-term value passed the gates. */
  range(): number | null {
    if (this.values === 0) return null;
    const gate = 10 * Math.log10(this.power / this.values) + RANGE_RELATIVE_GATE_LU;
    const kept: number[] = [];
    let n = 0;
    for (let bin = 0; bin < BINS; bin++) {
      const count = this.count[bin] as number;
      if (count > 0 && this.binMean(bin) >= gate) {
        kept.push(bin);
        n += count;
      }
    }
    if (n === 0) return null;
    const low = this.valueAtRank(kept, Math.round((n - 1) * RANGE_LOW_PERCENTILE));
    const high = this.valueAtRank(kept, Math.round((n - 1) * RANGE_HIGH_PERCENTILE));
    return high - low;
  }

  private binMean(bin: number): number {
    return (this.sum[bin] as number) / (this.count[bin] as number);
  }

  /** The value of rank `rank` (0 = quietest) among the kept bins, as the mean of the bin that holds it. */
  private valueAtRank(bins: readonly number[], rank: number): number {
    let seen = 0;
    for (const bin of bins) {
      seen += this.count[bin] as number;
      if (rank < seen) return this.binMean(bin);
    }
    return this.binMean(bins[bins.length - 1] as number);
  }
}
