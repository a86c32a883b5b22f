/**
 * The analysed frame rate of a live stream, over the last few seconds. HLS and DASH arrive a segment at a
 * time and are decoded faster than real time, so a one-second count swings between 0 and twice the stream's
 * rate; a window longer than a segment reads what an operator means by the stream's frame rate. The window
 * starts no earlier than the last reading that had seen no frame, so a stream's start is not a slow stream.
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
    // No frame in the whole window (before the first, or after a long stall): the window starts afresh, so the
    // wait for the stream's first frames is not read as a slow stream (a 6 s window that began 2.5 s before the
    // first frame read 22.5 fps for a 30 fps stream for the next 6 s).
    if (frames === oldest.frames) {
      this.samples.splice(0, this.samples.length - 1);
      return 0;
    }
    const spanMs = atMs - oldest.atMs;
    return spanMs > 0 ? ((frames - oldest.frames) * 1000) / spanMs : 0;
  }
}
