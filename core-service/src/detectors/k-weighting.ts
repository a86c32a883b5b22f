/**
 * ITU-R BS.1770-4 K-weighting: a high-shelf "pre-filter" (head effects) followed by the RLB high-pass.
 *
 * The standard only publishes coefficients at 48 kHz. To measure any sample rate we go back to the analog
 * prototypes behind those coefficients (shelf centre, gain and Q; high-pass corner and Q, as fitted by the
 * libebur128 authors) and map them with the bilinear transform, pre-warping each filter's corner frequency.
 * At 48 kHz this reproduces the published numbers to better than 1e-8.
 */

/** One second-order section, normalised so that a0 = 1. */
export interface Biquad {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly a1: number;
  readonly a2: number;
}

const SHELF_CENTRE_HZ = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
/** Exponent linking the mid-band gain to the high-frequency gain in the shelf's numerator. */
const SHELF_MID_GAIN_EXPONENT = 0.4996667741545416;
const HIGH_PASS_CORNER_HZ = 38.13547087602444;
const HIGH_PASS_Q = 0.5003270373238773;

/** Stage 1: the high-shelf pre-filter (+4 dB above ~1.7 kHz). */
export function preFilter(sampleRate: number): Biquad {
  const k = prewarp(SHELF_CENTRE_HZ, sampleRate);
  const highGain = 10 ** (SHELF_GAIN_DB / 20);
  const midGain = highGain ** SHELF_MID_GAIN_EXPONENT;
  const a0 = 1 + k / SHELF_Q + k * k;
  return {
    b0: (highGain + (midGain * k) / SHELF_Q + k * k) / a0,
    b1: (2 * (k * k - highGain)) / a0,
    b2: (highGain - (midGain * k) / SHELF_Q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / SHELF_Q + k * k) / a0,
  };
}

/**
 * Stage 2: the RLB high-pass. BS.1770 keeps the numerator at exactly 1, −2, 1 (unnormalised passband gain,
 * which the −0.691 dB constant in the loudness formula absorbs), so we do the same.
 */
export function rlbHighPass(sampleRate: number): Biquad {
  const k = prewarp(HIGH_PASS_CORNER_HZ, sampleRate);
  const a0 = 1 + k / HIGH_PASS_Q + k * k;
  return { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / HIGH_PASS_Q + k * k) / a0 };
}

function prewarp(frequency: number, sampleRate: number): number {
  return Math.tan((Math.PI * frequency) / sampleRate);
}

/** Magnitude response of a cascade of sections at `frequency`, in dB. */
export function magnitudeResponseDb(
  sections: readonly Biquad[],
  frequency: number,
  sampleRate: number,
): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  let power = 1;
  for (const s of sections) {
    const num = complexPoly(s.b0, s.b1, s.b2, w);
    const den = complexPoly(1, s.a1, s.a2, w);
    power *= (num.re ** 2 + num.im ** 2) / (den.re ** 2 + den.im ** 2);
  }
  return 10 * Math.log10(power);
}

/** c0 + c1·z⁻¹ + c2·z⁻² evaluated on the unit circle at angle w. */
function complexPoly(c0: number, c1: number, c2: number, w: number): { re: number; im: number } {
  return { re: c0 + c1 * Math.cos(w) + c2 * Math.cos(2 * w), im: -(c1 * Math.sin(w) + c2 * Math.sin(2 * w)) };
}

/**
 * The K-weighting filter for one channel, streaming: its state survives between calls, so a signal split
 * into chunks of any size gives the same output as the whole signal at once.
 */
export class KWeightingFilter {
  private readonly pre: Biquad;
  private readonly rlb: Biquad;
  /** Transposed direct form II state: two values per section. */
  private readonly state = new Float64Array(4);

  constructor(sampleRate: number) {
    this.pre = preFilter(sampleRate);
    this.rlb = rlbHighPass(sampleRate);
  }

  /**
   * Filters frames [from, to) of channel `channel` in interleaved `samples` and returns the sum of the squared
   * K-weighted output (the quantity BS.1770 averages). Written as one tight loop over locals because it runs
   * for every sample of every channel.
   */
  sumOfSquares(samples: Float32Array, channel: number, channels: number, from: number, to: number): number {
    const { b0: p0, b1: p1, b2: p2, a1: pa1, a2: pa2 } = this.pre;
    const { b0: r0, b1: r1, b2: r2, a1: ra1, a2: ra2 } = this.rlb;
    const st = this.state;
    let s1 = st[0] as number;
    let s2 = st[1] as number;
    let t1 = st[2] as number;
    let t2 = st[3] as number;
    let sum = 0;
    const end = to * channels + channel;
    for (let i = from * channels + channel; i < end; i += channels) {
      const x = samples[i] as number;
      const y = p0 * x + s1;
      s1 = p1 * x - pa1 * y + s2;
      s2 = p2 * x - pa2 * y;
      const z = r0 * y + t1;
      t1 = r1 * y - ra1 * z + t2;
      t2 = r2 * y - ra2 * z;
      sum += z * z;
    }
    // After a long silence the state decays into subnormal numbers, which are slow on most CPUs.
    st[0] = flushTiny(s1);
    st[1] = flushTiny(s2);
    st[2] = flushTiny(t1);
    st[3] = flushTiny(t2);
    return sum;
  }
}

function flushTiny(value: number): number {
  return Math.abs(value) < 1e-30 ? 0 : value;
}
