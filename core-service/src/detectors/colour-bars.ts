/**
 * Recognises colour bars (SMPTE, SMPTE HD, EBU 75 % and 100 %) in one luma plane. Luma alone is enough: every
 * one of those patterns is a row of at least seven equal-width vertical bars whose luma falls step by step from
 * white (or grey) to blue or black (white 180 or 235, yellow 162–210, cyan 131–170, green 112–145, magenta
 * 63–106, red 51–81, blue 28–41 codes), the same on every line of the upper part of the picture. Chroma would
 * tell the hues apart, but no programme picture carries seven flat, equal bands of strictly falling luma on
 * identical rows, so the extra plane (and the decode cost of piping it) buys nothing here.
 *
 * The upper 60 % of the picture (where SMPTE bars have their main row; EBU bars fill the picture) is cut into
 * strips of a few rows; a strip matches when its column profile holds the staircase and its rows are alike.
 * An identification caption hides the strips it crosses, and a channel logo keyed over the bars hides a bar or
 * two at the end of the strips beside it: so a strip also matches with two bars fewer, as long as one strip
 * shows them all, and bars need only part of the strips to match.
 */

/** Luma codes adjacent columns of one bar may differ by (coding noise, soft edges). */
const FLAT_STEP = 3;
/**
 * Codes a bar may span from its darkest to its lightest column: bars are flat, so a gentle ramp (a lit
 * backdrop), which steps only by its slope, never makes a run of flat bars.
 */
const FLAT_SPAN = 4;
/** Codes each bar must sit below the one on its left. */
const MIN_STEP = 6;
/** Mean absolute difference of a strip's rows from its column means, in codes: bars are the same on every line. */
const MAX_ROW_DEVIATION = 3;
/** Rows of the analysis picture in a strip: enough to average coding noise, few enough to pass between captions. */
const STRIP_ROWS = 4;
const BARS_HEIGHT = 0.6;
/** Bars a strip may miss at one end (hidden by a logo) and still match. */
const HIDDEN_BARS = 2;

/** One luma picture; the finder knows a picture it has seen by this object. */
export interface BarsPicture {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface ColourBarsOptions {
  /** Bars in the falling staircase needed in at least one strip (SMPTE 7, EBU 8). */
  readonly minBars: number;
  /** Share of the strips that must hold the staircase (the rest may carry an identification caption). */
  readonly minStripShare: number;
}

export interface ColourBarsMatch {
  readonly isBars: boolean;
  /** Bars in the longest staircase found in a matching strip (0 when none; a lower bound when not bars). */
  readonly bars: number;
  /** Share of the strips that matched, 0..1 (a lower bound when not bars). */
  readonly stripShare: number;
}

/**
 * Finds colour bars in luma planes; keeps its column buffers between pictures. It remembers its last picture,
 * so detectors sharing a finder (freeze and test-signal, see still-pictures.ts) look at each picture once.
 */
export class ColourBarsFinder {
  private profile = new Float32Array(0);
  private last: { readonly picture: BarsPicture; readonly match: ColourBarsMatch } | null = null;

  constructor(private readonly options: ColourBarsOptions) {}

  find(picture: BarsPicture): ColourBarsMatch {
    if (this.last?.picture !== picture) this.last = { picture, match: this.match(picture) };
    return this.last.match;
  }

  private match({ data, width, height }: BarsPicture): ColourBarsMatch {
    if (this.profile.length !== width) this.profile = new Float32Array(width);
    const strips = Math.floor((height * BARS_HEIGHT) / STRIP_ROWS);
    if (strips < 1 || width < 32) return { isBars: false, bars: 0, stripShare: 0 };
    const { minBars, minStripShare } = this.options;
    // Past this many strips without the staircase, too few are left to make bars: most pictures stop halfway.
    const allowedMisses = strips - Math.ceil(minStripShare * strips - 1e-9);
    let matched = 0;
    let bars = 0;
    for (let strip = 0; strip < strips && strip - matched <= allowedMisses; strip++) {
      const first = strip * STRIP_ROWS;
      this.columnMeans(data, width, first, STRIP_ROWS);
      const staircase = longestStaircase(this.profile);
      if (staircase < minBars - HIDDEN_BARS) continue;
      if (rowDeviation(data, width, first, STRIP_ROWS, this.profile) > MAX_ROW_DEVIATION) continue;
      matched++;
      bars = Math.max(bars, staircase);
    }
    const stripShare = matched / strips;
    return { isBars: bars >= minBars && stripShare >= minStripShare - 1e-9, bars, stripShare };
  }

  private columnMeans(data: Uint8Array, width: number, first: number, rows: number): void {
    const profile = this.profile;
    profile.fill(0);
    for (let y = first; y < first + rows; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) profile[x] = (profile[x] as number) + (data[row + x] as number);
    }
    for (let x = 0; x < width; x++) profile[x] = (profile[x] as number) / rows;
  }
}

/** Mean absolute difference of the strip's pixels from their column means, in codes. */
function rowDeviation(
  data: Uint8Array,
  width: number,
  first: number,
  rows: number,
  means: Float32Array,
): number {
  let sum = 0;
  for (let y = first; y < first + rows; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) sum += Math.abs((data[row + x] as number) - (means[x] as number));
  }
  return sum / (rows * width);
}

interface Run {
  readonly start: number;
  readonly end: number;
  readonly level: number;
}

/** Flat runs of a column profile at least `minWidth` wide, in order, each with its mean level. */
function flatRuns(profile: Float32Array, minWidth: number): Run[] {
  const runs: Run[] = [];
  let start = 0;
  let sum = profile[0] as number;
  let low = sum;
  let high = sum;
  for (let x = 1; x <= profile.length; x++) {
    const value = profile[x];
    const continues =
      value !== undefined &&
      Math.abs(value - (profile[x - 1] as number)) <= FLAT_STEP &&
      Math.max(high, value) - Math.min(low, value) <= FLAT_SPAN;
    if (continues) {
      sum += value;
      low = Math.min(low, value);
      high = Math.max(high, value);
      continue;
    }
    if (x - start >= minWidth) runs.push({ start, end: x, level: sum / (x - start) });
    start = x;
    sum = value ?? 0;
    low = sum;
    high = sum;
  }
  return runs;
}

/**
 * The most bars in a row whose levels fall by at least MIN_STEP each, separated by no more than a soft edge,
 * and of about the same width (bars are equal; a wide side panel or a plain background is not a bar).
 */
export function longestStaircase(profile: Float32Array): number {
  const width = profile.length;
  const runs = flatRuns(profile, Math.max(3, Math.floor(width / 20)));
  const maxGap = Math.max(2, Math.ceil(width / 40));
  let best = 0;
  for (let i = 0; i < runs.length; i++) {
    const first = runs[i] as Run;
    const barWidth = first.end - first.start;
    let count = 1;
    let previous = first;
    for (let j = i + 1; j < runs.length; j++) {
      const run = runs[j] as Run;
      const runWidth = run.end - run.start;
      const alike = runWidth <= barWidth * 1.5 && runWidth >= barWidth / 1.5;
      if (run.start - previous.end > maxGap || !alike || previous.level - run.level < MIN_STEP) break;
      count++;
      previous = run;
    }
    best = Math.max(best, count);
  }
  return best;
}
