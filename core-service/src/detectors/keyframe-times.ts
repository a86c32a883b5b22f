/**
 * The times of a source's recent keyframes (intra-coded pictures, reported by the decoder), for block corruption:
 * concealed damage lasts until the next keyframe repairs it. A source coded with intra refresh instead of
 * keyframes (or with keyframes far apart) shows none that regularly, and the detector then goes by the
 * pictures alone.
 */

/** Seconds of keyframes kept: a few GOPs. */
const HISTORY_SECONDS = 30;

export class KeyframeTimes {
  readonly #times: number[] = [];

  add(time: number): void {
    const last = this.#times.at(-1);
    if (last !== undefined && time <= last) return;
    this.#times.push(time);
    while ((this.#times[0] as number) < time - HISTORY_SECONDS) this.#times.shift();
  }

  /** The first keyframe in (after, upTo]; undefined when none is known there. */
  firstIn(after: number, upTo: number): number | undefined {
    return this.#times.find((t) => t > after && t <= upTo);
  }

  /** Whether keyframes come at most `maxGap` seconds apart (judged by the last two), so the next one is due. */
  regular(maxGap: number): boolean {
    const [before, last] = this.#times.slice(-2);
    return before !== undefined && last !== undefined && last - before <= maxGap;
  }
}
