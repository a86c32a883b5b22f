/**
 * Pictures reach the detectors after what ffmpeg printed on stderr before their own frame marker: the keyframes
 * before them (which repair damage), the caption markers, the decoder's complaints. ffmpeg writes a frame's
 * marker at once and its pictures through buffered pipes, so stderr is normally read first; but Node reads the
 * pipes and stderr in whatever order they become readable, and under load a native picture was read before the
 * marker of the keyframe just ahead of it: the same file then gave another report (block corruption held open
 * by a complaint the keyframe had repaired). A picture that arrives ahead of its marker waits, copied (readers
 * reuse their buffer), with the pipes paused, and goes on once the marker has been read; pictures after it
 * wait behind it, so each output keeps its order. Nothing waits otherwise.
 */
export class MarkerOrder {
  /** Frame markers read so far: pictures 0 … markers − 1 may go on. */
  #markers = 0;
  readonly #waiting: { readonly index: number; readonly release: () => void }[] = [];

  /** Whether the picture of frame `index` may go on now. */
  ready(index: number): boolean {
    return this.#waiting.length === 0 && index < this.#markers;
  }

  /** Keeps `release` (which hands on a copy of the picture of frame `index`) until its marker has been read. */
  wait(index: number, release: () => void): void {
    this.#waiting.push({ index, release });
  }

  /** Another frame marker has been read. */
  markerRead(): void {
    this.#markers++;
    this.#release(false);
  }

  /** stderr has ended: no marker will come, so what waits goes on (ffmpeg printed all it had). */
  ended(): void {
    this.#release(true);
  }

  #release(all: boolean): void {
    while (this.#waiting.length > 0 && (all || (this.#waiting[0]?.index ?? 0) < this.#markers))
      this.#waiting.shift()?.release();
  }
}
