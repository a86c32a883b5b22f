/**
 * ITU-R BS.1770-4 Annex 2 true-peak measurement: each channel is oversampled 4× by the Annex's 48-tap
 * interpolating FIR, split into four 12-tap phases (one per output position between two input samples), and the
 * largest absolute value is the true peak. Written here rather than taken from a library because it has to run
 * inline on every sample of every channel, streaming, with state carried across chunks; no npm package offers
 * that without copying the audio again.
 *
 * The Annex's phases sit at 1/8, 3/8, 5/8 and 7/8 of a sample period, never on an input sample, so the meter
 * reports the larger of the interpolated peak and the sample peak (as libebur128 does): a true peak is never
 * below the sample peak.
 */

/** BS.1770-4 Annex 2, the order-48 interpolating filter for 4× oversampling, one row per phase. */
const PHASES: readonly (readonly number[])[] = [
  [
    0.001708984375, 0.010986328125, -0.0196533203125, 0.033203125, -0.0594482421875, 0.1373291015625,
    0.97216796875, -0.102294921875, 0.047607421875, -0.026611328125, 0.014892578125, -0.00830078125,
  ],
  [
    -0.0291748046875, 0.029296875, -0.0517578125, 0.089111328125, -0.16650390625, 0.465087890625,
    0.77978515625, -0.2003173828125, 0.1015625, -0.0582275390625, 0.0330810546875, -0.0189208984375,
  ],
  [
    -0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625, -0.2003173828125, 0.77978515625,
    0.465087890625, -0.16650390625, 0.089111328125, -0.0517578125, 0.029296875, -0.0291748046875,
  ],
  [
    -0.00830078125, 0.014892578125, -0.026611328125, 0.047607421875, -0.102294921875, 0.97216796875,
    0.1373291015625, -0.0594482421875, 0.033203125, -0.0196533203125, 0.010986328125, 0.001708984375,
  ],
];
const TRUE_PEAK_TAPS = 12;
const HISTORY = TRUE_PEAK_TAPS - 1;

/**
 * No phase can output more than the sum of its absolute coefficients times the largest input in its 12 taps.
 * With that bound a quiet stretch is skipped (only its history kept), since it cannot raise the peak.
 */
const TRUE_PEAK_GAIN_BOUND = Math.max(
  ...PHASES.map((phase) => phase.reduce((sum, c) => sum + Math.abs(c), 0)),
);

/** Linear amplitude → dBTP (−Infinity for digital silence). */
export function amplitudeToDb(amplitude: number): number {
  return 20 * Math.log10(amplitude);
}

/** The true-peak oversampler of one channel, streaming: the last 11 samples carry over between calls. */
export class TruePeakFilter {
  /** The last HISTORY input samples, oldest first, followed by room for one block. */
  private buffer = new Float64Array(HISTORY + 4800);
  /** Largest absolute value among the history samples, for the skip test. */
  private historyPeak = 0;

  /**
   * The true peak (linear) of frames [from, to) of `channel` in interleaved `samples`. When even the filter's
   * worst-case gain could not lift this stretch above `floor`, it returns the sample peak without filtering.
   */
  peak(
    samples: Float32Array,
    channel: number,
    channels: number,
    from: number,
    to: number,
    floor = 0,
  ): number {
    const count = to - from;
    if (count <= 0) return 0;
    if (this.buffer.length < HISTORY + count) this.grow(HISTORY + count);
    const b = this.buffer;
    let samplePeak = 0;
    for (let i = 0, s = from * channels + channel; i < count; i++, s += channels) {
      const x = samples[s] as number;
      b[HISTORY + i] = x;
      samplePeak = Math.max(samplePeak, Math.abs(x));
    }
    const peak =
      Math.max(samplePeak, this.historyPeak) * TRUE_PEAK_GAIN_BOUND <= floor
        ? samplePeak
        : Math.max(samplePeak, interpolatedPeak(b, count));
    this.keepHistory(count);
    return peak;
  }

  private keepHistory(count: number): void {
    const b = this.buffer;
    b.copyWithin(0, count, count + HISTORY);
    let peak = 0;
    for (let i = 0; i < HISTORY; i++) {
      const a = Math.abs(b[i] as number);
      if (a > peak) peak = a;
    }
    this.historyPeak = peak;
  }

  private grow(length: number): void {
    const larger = new Float64Array(length);
    larger.set(this.buffer.subarray(0, HISTORY));
    this.buffer = larger;
  }
}

/**
 * Largest |output| of the four phases for the `count` newest samples of `b` (b[HISTORY + i] is input n; the 11
 * before it are its history). This loop is most of the meter's cost, so it uses the filter's symmetry: phase 3
 * is phase 0 reversed and phase 2 is phase 1 reversed, so with the sums S and differences D of samples
 * mirrored about the window's centre, y0 ± y3 and y1 ± y2 take six multiplications each, and
 * max(|a|, |b|) = (|a + b| + |a − b|) / 2 gives each pair's peak without forming the phases themselves.
 */
function interpolatedPeak(b: Float64Array, count: number): number {
  const [e0, e1, e2, e3, e4, e5] = EVEN[0] as Tap6;
  const [o0, o1, o2, o3, o4, o5] = ODD[0] as Tap6;
  const [f0, f1, f2, f3, f4, f5] = EVEN[1] as Tap6;
  const [q0, q1, q2, q3, q4, q5] = ODD[1] as Tap6;
  let peak = 0;
  for (let n = HISTORY; n < HISTORY + count; n++) {
    // u_k = x[n − k]; S_k = u_k + u_(11−k), D_k = u_k − u_(11−k).
    const u0 = b[n] as number;
    const u11 = b[n - 11] as number;
    const u1 = b[n - 1] as number;
    const u10 = b[n - 10] as number;
    const u2 = b[n - 2] as number;
    const u9 = b[n - 9] as number;
    const u3 = b[n - 3] as number;
    const u8 = b[n - 8] as number;
    const u4 = b[n - 4] as number;
    const u7 = b[n - 7] as number;
    const u5 = b[n - 5] as number;
    const u6 = b[n - 6] as number;
    const s0 = u0 + u11;
    const s1 = u1 + u10;
    const s2 = u2 + u9;
    const s3 = u3 + u8;
    const s4 = u4 + u7;
    const s5 = u5 + u6;
    const d0 = u0 - u11;
    const d1 = u1 - u10;
    const d2 = u2 - u9;
    const d3 = u3 - u8;
    const d4 = u4 - u7;
    const d5 = u5 - u6;
    const sum03 = e0 * s0 + e1 * s1 + e2 * s2 + e3 * s3 + e4 * s4 + e5 * s5;
    const diff03 = o0 * d0 + o1 * d1 + o2 * d2 + o3 * d3 + o4 * d4 + o5 * d5;
    const sum12 = f0 * s0 + f1 * s1 + f2 * s2 + f3 * s3 + f4 * s4 + f5 * s5;
    const diff12 = q0 * d0 + q1 * d1 + q2 * d2 + q3 * d3 + q4 * d4 + q5 * d5;
    peak = Math.max(peak, Math.abs(sum03) + Math.abs(diff03), Math.abs(sum12) + Math.abs(diff12));
  }
  return peak / 2;
}

/**
 * For phase pairs (0, 3) and (1, 2): the coefficients of S_k in y_p + y_(3−p) and of D_k in y_p − y_(3−p),
 * k = 0…5, that is h_p[k] + h_p[11 − k] and h_p[k] − h_p[11 − k].
 */
const EVEN = [0, 1].map((p) => mirrored(PHASES[p] as readonly number[], 1));
const ODD = [0, 1].map((p) => mirrored(PHASES[p] as readonly number[], -1));

function mirrored(phase: readonly number[], sign: 1 | -1): number[] {
  return Array.from({ length: 6 }, (_, k) => (phase[k] as number) + sign * (phase[11 - k] as number));
}

type Tap6 = [number, number, number, number, number, number];
