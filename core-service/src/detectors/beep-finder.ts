/**
 * The beeps of a sync test signal: short tone bursts out of quiet, each timed to a fraction of a millisecond.
 *
 * Audio is followed in 1 ms blocks (the loudest channel's mean square). A block 20 dB above the 100 ms before
 * it, and above −40 dBFS, starts a burst; 5 blocks 20 dB under the burst's peak end it. The onset is then placed
 * on the samples around that first block: the first sample of the loudest channel reaching half the burst's
 * amplitude, less the time a sine takes to rise to half (1/12 of its period), so a beep starting anywhere in a
 * block is timed alike. A burst is a beep if it lasts between `minDuration` and `maxDuration` and is one sine
 * (sine-fit.ts) between `minFrequency` and `maxFrequency`; anything else (speech, music, clicks) is not.
 *
 * This runs over every sample of the track, so it works a piece of audio at a time: samples go into a short
 * ring in bulk, blocks are summed in tight loops, and samples are read back only around a burst's start.
 */
import { fitSine } from "./sine-fit.ts";
import type { AudioChunk } from "./types.ts";
import { dbToPower, powerDb } from "./units.ts";

export interface BeepFinderOptions {
  readonly minDuration: number;
  readonly maxDuration: number;
  readonly minFrequency: number;
  readonly maxFrequency: number;
}

const BLOCK_SECONDS = 0.001;
/** Blocks of the quiet a burst must rise from. */
const QUIET_BLOCKS = 100;
const RISE_DB = 20;
const FALL_DB = 20;
const END_BLOCKS = 5;
const MIN_PEAK_POWER = dbToPower(-40);
/** Seconds of samples before a burst's first block, and after it, that time its onset. */
const PRE_SECONDS = 0.01;
const POST_SECONDS = 0.01;
/** Energy besides the sine a beep may carry, relative to its own (codec noise, the burst's edges). */
const MAX_RESIDUAL_DB = -10;
/** Frames taken from a chunk at a time; the ring holds these plus the stretch around a burst's start. */
const PIECE_FRAMES = 1024;

interface Burst {
  /** Absolute frame number of the first loud block, and its media time. */
  readonly firstFrame: number;
  readonly firstTime: number;
  peak: number;
  lowBlocks: number;
  lowSince: number;
  /** Known once POST_SECONDS after the first block have arrived. */
  timed?: { readonly onset: number; readonly frequency: number; readonly pure: boolean };
}

export class BeepFinder {
  private sampleRate = 0;
  private channels = 0;
  private blockFrames = 1;
  private preFrames = 0;
  private postFrames = 0;
  /** Interleaved samples of the last ring.length / channels frames; frame n sits at n % capacity. */
  private ring = new Float32Array(0);
  /** Frames received since the format was set. */
  private written = 0;
  private blockSums = new Float64Array(0);
  private blockFilled = 0;
  private readonly quiet: number[] = [];
  private quietSum = 0;
  private burst: Burst | undefined;
  private time = 0;

  constructor(private readonly options: BeepFinderOptions) {}

  /** Media time up to which every beep has been reported. */
  settledUntil(): number {
    return this.burst ? this.burst.firstTime - PRE_SECONDS : this.time;
  }

  /** Returns the onsets of the beeps that ended in this chunk. */
  push(chunk: AudioChunk): number[] {
    if (chunk.sampleRate !== this.sampleRate || chunk.channels !== this.channels) this.reset(chunk);
    const frames = Math.floor(chunk.samples.length / chunk.channels);
    const beeps: number[] = [];
    for (let from = 0; from < frames; from += PIECE_FRAMES) {
      const to = Math.min(frames, from + PIECE_FRAMES);
      this.keep(chunk.samples, from, to);
      this.sumBlocks(chunk, from, to, beeps);
    }
    this.time = chunk.time + frames / this.sampleRate;
    return beeps;
  }

  private reset(chunk: AudioChunk): void {
    this.sampleRate = chunk.sampleRate;
    this.channels = chunk.channels;
    this.blockFrames = Math.max(1, Math.round(BLOCK_SECONDS * chunk.sampleRate));
    this.preFrames = Math.round(PRE_SECONDS * chunk.sampleRate);
    this.postFrames = Math.round(POST_SECONDS * chunk.sampleRate);
    const capacity = 2 * (this.preFrames + this.postFrames + this.blockFrames) + PIECE_FRAMES;
    this.ring = new Float32Array(capacity * chunk.channels);
    this.written = 0;
    this.blockSums = new Float64Array(chunk.channels);
    this.blockFilled = 0;
    this.quiet.length = 0;
    this.quietSum = 0;
    this.burst = undefined;
  }

  /** Copies frames [from, to) of the chunk into the ring, in at most two pieces. */
  private keep(samples: Float32Array, from: number, to: number): void {
    const ch = this.channels;
    const capacity = this.ring.length / ch;
    let f = from;
    while (f < to) {
      const at = this.written % capacity;
      const take = Math.min(to - f, capacity - at);
      this.ring.set(samples.subarray(f * ch, (f + take) * ch), at * ch);
      this.written += take;
      f += take;
    }
  }

  private sumBlocks(chunk: AudioChunk, from: number, to: number, beeps: number[]): void {
    const ch = this.channels;
    const { samples } = chunk;
    /** Absolute frame number of the chunk's first frame. */
    const chunkStart = this.written - to;
    let f = from;
    while (f < to) {
      const take = Math.min(to - f, this.blockFrames - this.blockFilled);
      for (let c = 0; c < ch; c++) {
        let sum = this.blockSums[c] as number;
        for (let i = f * ch + c, end = (f + take) * ch; i < end; i += ch) {
          const x = samples[i] as number;
          sum += x * x;
        }
        this.blockSums[c] = sum;
      }
      f += take;
      this.blockFilled += take;
      if (this.blockFilled < this.blockFrames) break;
      const blockStartFrame = chunkStart + f - this.blockFrames;
      const blockStart = chunk.time + (f - this.blockFrames) / this.sampleRate;
      const beep = this.onBlock(blockStartFrame, blockStart);
      if (beep !== undefined) beeps.push(beep);
    }
    const burst = this.burst;
    if (burst && !burst.timed && this.written >= burst.firstFrame + this.postFrames) this.timeOnset(burst);
  }

  /** A block ended; returns a beep's onset when a burst that was one has just ended. */
  private onBlock(blockStartFrame: number, blockStart: number): number | undefined {
    let power = 0;
    for (let c = 0; c < this.channels; c++)
      power = Math.max(power, (this.blockSums[c] as number) / this.blockFrames);
    this.blockSums.fill(0);
    this.blockFilled = 0;
    const burst = this.burst;
    if (burst) {
      if (!burst.timed && this.written >= burst.firstFrame + this.postFrames) this.timeOnset(burst);
      return this.followBurst(burst, power, blockStart);
    }
    const quietMean = this.quiet.length === QUIET_BLOCKS ? this.quietSum / QUIET_BLOCKS : undefined;
    if (
      quietMean !== undefined &&
      power >= MIN_PEAK_POWER &&
      powerDb(power) - powerDb(quietMean) >= RISE_DB
    ) {
      this.burst = {
        firstFrame: blockStartFrame,
        firstTime: blockStart,
        peak: power,
        lowBlocks: 0,
        lowSince: 0,
      };
      return undefined;
    }
    this.quiet.push(power);
    this.quietSum += power;
    if (this.quiet.length > QUIET_BLOCKS) this.quietSum -= this.quiet.shift() as number;
    return undefined;
  }

  private followBurst(burst: Burst, power: number, blockStart: number): number | undefined {
    burst.peak = Math.max(burst.peak, power);
    if (powerDb(burst.peak) - powerDb(power) < FALL_DB) {
      burst.lowBlocks = 0;
      return undefined;
    }
    if (burst.lowBlocks++ === 0) burst.lowSince = blockStart;
    if (burst.lowBlocks < END_BLOCKS) return undefined;
    this.burst = undefined;
    // The burst's own blocks are not quiet: the next beep must rise from the silence after it.
    this.quiet.length = 0;
    this.quietSum = 0;
    const timed = burst.timed;
    if (!timed?.pure) return undefined;
    const duration = burst.lowSince - timed.onset;
    const { minDuration, maxDuration, minFrequency, maxFrequency } = this.options;
    const isBeep =
      duration >= minDuration &&
      duration <= maxDuration &&
      timed.frequency >= minFrequency &&
      timed.frequency <= maxFrequency;
    return isBeep ? timed.onset : undefined;
  }

  /** Places the onset on the samples around the burst's first block, and checks the burst is one sine. */
  private timeOnset(burst: Burst): void {
    const ch = this.channels;
    const capacity = this.ring.length / ch;
    const firstFrame = Math.max(this.written - capacity, burst.firstFrame - this.preFrames);
    const frames = burst.firstFrame + this.postFrames - firstFrame;
    const capture = new Float32Array(frames * ch);
    for (let f = 0; f < frames; f++) {
      const at = ((firstFrame + f) % capacity) * ch;
      capture.set(this.ring.subarray(at, at + ch), f * ch);
    }
    const loud = burst.firstFrame - firstFrame;
    let loudest = 0;
    let loudestEnergy = -1;
    for (let c = 0; c < ch; c++) {
      let energy = 0;
      for (let f = loud; f < frames; f++) energy += (capture[f * ch + c] as number) ** 2;
      if (energy > loudestEnergy) [loudest, loudestEnergy] = [c, energy];
    }
    let amplitude = 0;
    for (let f = loud; f < frames; f++)
      amplitude = Math.max(amplitude, Math.abs(capture[f * ch + loudest] as number));
    let first = 0;
    while (first < frames && Math.abs(capture[first * ch + loudest] as number) < amplitude / 2) first++;
    const fit = fitSine(capture, loudest, ch, first, frames, this.sampleRate);
    const captureStart = burst.firstTime - loud / this.sampleRate;
    if (!fit || fit.frequency <= 0) {
      burst.timed = { onset: captureStart, frequency: 0, pure: false };
      return;
    }
    burst.timed = {
      onset: captureStart + first / this.sampleRate - 1 / (12 * fit.frequency),
      frequency: fit.frequency,
      pure: powerDb(fit.residualRatio) <= MAX_RESIDUAL_DB,
    };
  }
}
