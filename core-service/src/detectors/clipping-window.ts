/**
 * The two measures the clipping detector applies to one channel of one analysis window.
 *
 * - Full-scale runs: consecutive samples pinned at the limit. This is clipping as integer PCM records it, and it
 *   catches even a few clipped peaks in music; a run may span windows, so its state is carried between them.
 * - Plateaus: after a lossy codec the flat tops no longer sit at ±1.0. They ripple (Gibbs overshoot from the
 *   codec's low-pass) and settle wherever the codec puts them (measured: ≈0.95 with ffmpeg's AAC, ≈1.02 with
 *   AC-3, ≈1.04 with Opus, 1.0 with MP2), but they stay flat: most of the window's samples sit in same-sign
 *   runs near the window's own ceiling. A sine has only 2/π·acos(0.9) ≈ 29 % of its samples within 10 % of its
 *   peak, whatever its frequency; a clipped tone has 70–95 %; programme material far fewer. Requiring runs of a
 *   few samples keeps high-frequency sines, whose few samples per cycle can all land near the peak, out.
 */

export interface WindowSettings {
  /** |sample| from which a sample counts as pinned at full scale. */
  readonly fullScale: number;
  /** Consecutive samples a run (pinned, or on a plateau) needs. */
  readonly minRun: number;
  /** A polarity's ceiling below this is not near full scale, so its plateaus do not count. */
  readonly minPeak: number;
  /** Samples within this fraction below the ceiling are on the plateau. */
  readonly plateauBand: number;
  /** Share of the window's samples on plateaus from which the window counts as clipped. */
  readonly minPlateauShare: number;
}

/** A clipped stretch found in one channel, in media seconds; `samples` is how many samples it adds. */
export interface ClipFinding {
  readonly start: number;
  readonly end: number;
  readonly peak: number;
  readonly samples: number;
}

/** One channel's view of a window: interleaved samples, which channel, and where the window sits in time. */
export interface ChannelWindow {
  readonly samples: Float32Array;
  readonly channels: number;
  readonly channel: number;
  readonly frames: number;
  readonly time: number;
  readonly sampleRate: number;
}

/** A full-scale run still going at the end of the previous window. */
export interface RunState {
  length: number;
  start: number;
  peak: number;
  /** Samples of the run already reported in earlier findings. */
  reported: number;
}

export const newRunState = (): RunState => ({ length: 0, start: 0, peak: 0, reported: 0 });

/** Runs of at least `minRun` samples at the limit (from `fullScale` to 1.0); the part of a run already reported is not reported again. */
export function findFullScaleRuns(w: ChannelWindow, run: RunState, s: WindowSettings): ClipFinding[] {
  const findings: ClipFinding[] = [];
  const report = (endFrame: number) => {
    if (run.length < s.minRun || run.length === run.reported) return;
    const start = run.reported === 0 ? run.start : w.time;
    findings.push({
      start,
      end: w.time + endFrame / w.sampleRate,
      peak: run.peak,
      samples: run.length - run.reported,
    });
    run.reported = run.length;
  };
  for (let f = 0; f < w.frames; f++) {
    const level = Math.abs(w.samples[f * w.channels + w.channel] as number);
    // Beyond 1.0 is a lossy decoder's overshoot of a waveform's peak (Opus takes loud unclipped noise to 1.25),
    // not a sample pinned at the limit; clipping after such a codec shows as a plateau instead.
    if (level < s.fullScale || level > 1) {
      report(f);
      run.length = 0;
      continue;
    }
    if (run.length === 0) {
      run.start = w.time + f / w.sampleRate;
      run.peak = 0;
      run.reported = 0;
    }
    run.length++;
    run.peak = Math.max(run.peak, level);
  }
  report(w.frames);
  return findings;
}

/** The window as one plateau finding when enough of it sits flat near a ceiling close to full scale. */
export function findPlateaus(w: ChannelWindow, s: WindowSettings): ClipFinding | undefined {
  const { positive, negative, peak } = ceilings(w);
  const floorOf = (ceiling: number) =>
    ceiling >= s.minPeak ? ceiling * (1 - s.plateauBand) : Number.POSITIVE_INFINITY;
  const positiveFloor = floorOf(positive);
  const negativeFloor = floorOf(negative);
  if (positiveFloor === Number.POSITIVE_INFINITY && negativeFloor === Number.POSITIVE_INFINITY)
    return undefined;
  let onPlateaus = 0;
  let first = -1;
  let last = -1;
  let runLength = 0;
  let runSign = 0;
  const closeRun = (endFrame: number) => {
    if (runLength >= s.minRun) {
      onPlateaus += runLength;
      if (first < 0) first = endFrame - runLength;
      last = endFrame;
    }
    runLength = 0;
  };
  for (let f = 0; f < w.frames; f++) {
    const x = w.samples[f * w.channels + w.channel] as number;
    const sign = x >= 0 ? 1 : -1;
    const near = sign > 0 ? x >= positiveFloor : -x >= negativeFloor;
    if (!near || sign !== runSign) closeRun(f);
    if (near) {
      runLength++;
      runSign = sign;
    }
  }
  closeRun(w.frames);
  if (onPlateaus < s.minPlateauShare * w.frames) return undefined;
  return {
    start: w.time + first / w.sampleRate,
    end: w.time + last / w.sampleRate,
    peak,
    samples: onPlateaus,
  };
}

function ceilings(w: ChannelWindow): { positive: number; negative: number; peak: number } {
  let positive = 0;
  let negative = 0;
  for (let f = 0; f < w.frames; f++) {
    const x = w.samples[f * w.channels + w.channel] as number;
    if (x > positive) positive = x;
    else if (-x > negative) negative = -x;
  }
  // A clipped source's flat tops were at most at full scale; a decoder's overshoot beyond it (AC-3 at 64 kbit/s
  // a channel spikes to 1.2 on tops rippling between 0.9 and 1.1) is ripple, and must not lift the band above
  // the plateau it rides on.
  return {
    positive: Math.min(1, positive),
    negative: Math.min(1, negative),
    peak: Math.max(positive, negative),
  };
}
