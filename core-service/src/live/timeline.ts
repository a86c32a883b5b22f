/**
 * Turns a live stream's raw timestamps into one continuous timeline per media kind, so the picture and sound
 * detectors never see time run backwards or leap, and says where the raw timestamps jumped.
 *
 * - Within a connection, a packet more than `jumpTolerance` away from where the previous one ended is a jump:
 *   the kind's offset is changed so the timeline carries on from the expected time, and the jump is reported.
 *   A forward gap that the other kind has already covered is not a jump: that kind was lost for a while
 *   (video-loss / audio-loss), and its timeline keeps the gap.
 * - Across a reconnect (or a hand-off between workers) the stream went on without us: the first packet is
 *   expected near the last time seen plus the wall time since. Near enough, it is kept as is (so the gap shows
 *   on the timeline); otherwise (an origin that restarted its clock) it is spliced there, silently: the stall
 *   has already been reported.
 */
export type MediaKind = "video" | "audio";

export interface Placement {
  /** Seconds on the continuous timeline. */
  readonly time: number;
  /** Set when the raw timestamps jumped; seconds of the jump (negative = backwards). */
  readonly jump?: number;
}

interface KindState {
  offset: number;
  lastTime: number | undefined;
  lastWallMs: number;
  /** Where the next packet should start, relative to lastTime. */
  step: number;
  /** False until the first packet of the current connection. */
  connected: boolean;
}

/** A gap bigger than this between frames is not a frame interval (used to guess the next frame's time). */
const MAX_FRAME_STEP = 0.5;

export class StreamTimeline {
  private readonly kinds: Record<MediaKind, KindState>;

  constructor(
    private readonly jumpTolerance: number,
    resume?: { lastTime?: number; lastWallMs?: number; offsets?: Record<MediaKind, number> },
  ) {
    const start = (kind: MediaKind): KindState => ({
      offset: resume?.offsets?.[kind] ?? 0,
      lastTime: resume?.lastTime,
      lastWallMs: resume?.lastWallMs ?? 0,
      step: 0,
      connected: false,
    });
    this.kinds = { video: start("video"), audio: start("audio") };
  }

  /** A new connection: the next packets are judged against wall time, not the previous packet. */
  reconnected(): void {
    for (const state of Object.values(this.kinds)) state.connected = false;
  }

  place(kind: MediaKind, raw: number, duration: number, wallMs: number): Placement {
    const state = this.kinds[kind];
    const mapped = raw + state.offset;
    const firstOfConnection = !state.connected;
    state.connected = true;
    if (state.lastTime === undefined) return this.accept(state, mapped, duration, wallMs);
    if (firstOfConnection) {
      const expected = state.lastTime + Math.max(0, (wallMs - state.lastWallMs) / 1000);
      const slack = this.jumpTolerance + Math.max(2, (wallMs - state.lastWallMs) / 1000 / 2);
      if (Math.abs(mapped - expected) <= slack && mapped > state.lastTime)
        return this.accept(state, mapped, duration, wallMs);
      state.offset += expected - mapped;
      return this.accept(state, expected, duration, wallMs);
    }
    const expected = state.lastTime + state.step;
    const jump = mapped - expected;
    if (Math.abs(jump) <= this.jumpTolerance || (jump > 0 && this.otherCovers(kind, mapped)))
      return this.accept(state, mapped, duration, wallMs);
    state.offset -= jump;
    return { ...this.accept(state, expected, duration, wallMs), jump };
  }

  /** Latest time on the continuous timeline over both kinds. */
  latest(): number | undefined {
    const times = [this.kinds.video.lastTime, this.kinds.audio.lastTime].filter(
      (t): t is number => t !== undefined,
    );
    return times.length ? Math.max(...times) : undefined;
  }

  lastTimeOf(kind: MediaKind): number | undefined {
    return this.kinds[kind].lastTime;
  }

  offsets(): Record<MediaKind, number> {
    return { video: this.kinds.video.offset, audio: this.kinds.audio.offset };
  }

  private otherCovers(kind: MediaKind, mapped: number): boolean {
    const other = this.kinds[kind === "video" ? "audio" : "video"];
    return other.connected && other.lastTime !== undefined && other.lastTime >= mapped - this.jumpTolerance;
  }

  private accept(state: KindState, time: number, duration: number, wallMs: number): Placement {
    if (duration > 0) state.step = duration;
    else if (state.lastTime !== undefined && state.connected) {
      const delta = time - state.lastTime;
      if (delta > 0 && delta <= MAX_FRAME_STEP) state.step = delta;
    }
    state.lastTime = time;
    state.lastWallMs = wallMs;
    return { time };
  }
}
