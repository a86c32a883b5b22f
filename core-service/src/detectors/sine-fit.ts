/**
 * Fits one sinusoid to a stretch of one channel: its frequency, amplitude, and the share of the energy it
 * leaves unexplained. The line-up tone and the sync beep are both "a single sine, and nothing else".
 *
 * The frequency comes from the stretch's own two-term linear prediction (x[n-1]·2cos ω = x[n] + x[n-2] holds
 * exactly for a pure sine, so the least-squares cos ω is exact there and close under codec noise); the
 * amplitude from a least-squares projection onto cos and sin at that frequency. Written here rather than taken
 * from an FFT library: 0.1 s of audio resolves frequency to 10 Hz by FFT bin, while this is exact for a tone,
 * runs in one pass per step with a rotating phasor (no trigonometry per sample), and needs no buffer beyond the
 * samples themselves.
 */

export interface SineFit {
  /** Hz. */
  readonly frequency: number;
  /** Peak amplitude of the fitted sine (1 = full scale). */
  readonly amplitude: number;
  /** Mean square of the stretch. */
  readonly meanSquare: number;
  /** Energy the sine does not explain, as a share of the stretch's energy (0 = a pure sine). */
  readonly residualRatio: number;
}

/**
 * `samples` interleaved with `channels` channels; the fit covers frames [from, to) of `channel`. Undefined when
 * the stretch is too short (under 8 frames); a stretch no sine fits (silence, DC, a frequency at 0 or Nyquist)
 * gets frequency and amplitude 0 and residual 1.
 */
export function fitSine(
  samples: Float32Array,
  channel: number,
  channels: number,
  from: number,
  to: number,
  sampleRate: number,
): SineFit | undefined {
  const count = to - from;
  if (count < 8) return undefined;
  const first = from * channels + channel;
  const last = (to - 1) * channels + channel;
  let cross = 0;
  let middle = 0;
  let x2 = samples[first] as number;
  let x1 = samples[first + channels] as number;
  let energy = x2 * x2 + x1 * x1;
  for (let i = first + 2 * channels; i <= last; i += channels) {
    const x0 = samples[i] as number;
    cross += x1 * (x0 + x2);
    middle += x1 * x1;
    energy += x0 * x0;
    x2 = x1;
    x1 = x0;
  }
  const meanSquare = energy / count;
  const none = { frequency: 0, amplitude: 0, meanSquare, residualRatio: 1 };
  if (middle <= 0 || energy <= 0) return none;
  const cosOmega = cross / (2 * middle);
  if (!(cosOmega > -1 && cosOmega < 1)) return none;
  const omega = Math.acos(cosOmega);
  const projection = project(samples, first, last, channels, omega);
  if (!projection) return none;
  const residual = Math.max(0, energy - projection.explained);
  return {
    frequency: (omega * sampleRate) / (2 * Math.PI),
    amplitude: projection.amplitude,
    meanSquare,
    residualRatio: residual / energy,
  };
}

/** Least squares of x ≈ a·cos(ωn) + b·sin(ωn): the energy the fit explains and its amplitude √(a²+b²). */
function project(
  samples: Float32Array,
  first: number,
  last: number,
  step: number,
  omega: number,
): { explained: number; amplitude: number } | undefined {
  const stepCos = Math.cos(omega);
  const stepSin = Math.sin(omega);
  let c = 1;
  let s = 0;
  let xc = 0;
  let xs = 0;
  let cc = 0;
  let ss = 0;
  let cs = 0;
  for (let i = first; i <= last; i += step) {
    const x = samples[i] as number;
    xc += x * c;
    xs += x * s;
    cc += c * c;
    ss += s * s;
    cs += c * s;
    const nextC = c * stepCos - s * stepSin;
    s = s * stepCos + c * stepSin;
    c = nextC;
  }
  const det = cc * ss - cs * cs;
  if (det <= 1e-9 * cc * ss) return undefined;
  const a = (xc * ss - xs * cs) / det;
  const b = (xs * cc - xc * cs) / det;
  return { explained: a * xc + b * xs, amplitude: Math.hypot(a, b) };
}
