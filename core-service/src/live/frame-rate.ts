/**
 * The analysed frame rate of a live stream, over the last few seconds. HLS and DASH arrive a segment at a
 * time and are decoded faster than real time, so a one-second count swings between 0 and twice the stream's
 * rate; a window longer than a segment reads what an operator means by the stream's frame rate.
 */
const WINDOW_MS = 6_000;

export class FrameRate {
  /** (time, frame count) samples, oldest first, spanning at most WINDOW_MS. */
  private readonly samples: { atMs: number; frames: number }[];

  constructor(atMs: number, frames: number) {
    this.samples = [{ atMs, frames }];
  }

  /** Records the frame count at `atMs` and returns frames per second over the window ending then. */
  update(atMs: number, frames: number): number {
    this.samples.push({ atMs, frames });
    while (this.samples.length > 2 && atMs - (this.samples[1] as { atMs: number }).atMs >= WINDOW_MS)
      this.samples.shift();
    const oldest = this.samples[0] as { atMs: number; frames: number };
    const spanMs = atMs - oldest.atMs;
    return spanMs > 0 ? ((frames - oldest.frames) * 1000) / spanMs : 0;
  }
}
