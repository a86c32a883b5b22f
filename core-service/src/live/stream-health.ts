/**
 * The stream-level detectors of a live source, driven by packet arrivals and a wall-clock tick:
 * - `stall`: no media at all for `stallAfter` seconds of wall time; clears on the next packet;
 * - `video-loss` / `audio-loss`: one kind has not advanced for `lossAfter` seconds of the other kind's stream
 *   time (so a stall, where both stop, is not also a loss); clears when that kind comes back;
 * - `discontinuity`: a timestamp jump (see timeline.ts), reported as an instant defect (open and close at once).
 * Defects carry stream times and wall-clock times (`startedAt`/`endedAt`).
 */
import type { DetectorEvent } from "../detectors/types.ts";
import type { Defect, DefectType } from "../domain/defect.ts";
import type { MediaKind } from "./timeline.ts";
import type { StreamThresholds } from "./types.ts";

interface OpenStreamDefect {
  readonly start: number;
  readonly startedAtMs: number;
}

interface KindSeen {
  time: number;
  wallMs: number;
}

const LOSS_TYPE: Record<MediaKind, DefectType> = { video: "video-loss", audio: "audio-loss" };
/** Two kinds jumping together are one discontinuity: reports this close on the timeline are merged. */
const DISCONTINUITY_MERGE_SECONDS = 2;

export class StreamHealth {
  private lastMediaWallMs: number;
  private stall: OpenStreamDefect | undefined;
  private readonly seen: Partial<Record<MediaKind, KindSeen>> = {};
  private readonly losses: Partial<Record<MediaKind, OpenStreamDefect>> = {};
  /** Kinds the stream has carried, over all its connections. */
  private readonly carried = new Set<MediaKind>();
  private lastDiscontinuityAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly thresholds: StreamThresholds,
    startWallMs: number,
    private lastStreamTime = 0,
  ) {
    this.lastMediaWallMs = startWallMs;
  }

  get stalled(): boolean {
    return this.stall !== undefined;
  }

  /** Wall milliseconds since the last packet of any kind. */
  silenceMs(nowMs: number): number {
    return nowMs - this.lastMediaWallMs;
  }

  tick(nowMs: number): DetectorEvent[] {
    if (this.stall || this.silenceMs(nowMs) < this.thresholds.stallAfter * 1000) return [];
    this.stall = { start: this.lastStreamTime, startedAtMs: this.lastMediaWallMs };
    const defect = describe("stall", this.stall, { stallAfter: this.thresholds.stallAfter });
    return [{ kind: "open", defect }];
  }

  /** A packet of `kind` placed at `time`; `jump` when its raw timestamps jumped there. */
  packet(kind: MediaKind, time: number, nowMs: number, jump?: number): DetectorEvent[] {
    const events: DetectorEvent[] = [];
    if (this.stall) {
      const stallSeconds = (nowMs - this.stall.startedAtMs) / 1000;
      events.push(close("stall", this.stall, time, nowMs, { stallSeconds: round(stallSeconds) }));
      this.stall = undefined;
    }
    this.lastMediaWallMs = nowMs;
    this.lastStreamTime = Math.max(this.lastStreamTime, time);
    if (jump !== undefined) events.push(...this.discontinuity(time, nowMs, jump));
    const loss = this.losses[kind];
    if (loss) {
      events.push(close(LOSS_TYPE[kind], loss, time, nowMs, {}));
      delete this.losses[kind];
    }
    this.seen[kind] = { time, wallMs: nowMs };
    // A kind carried before a reconnection is expected back: its absence counts from the new connection's first
    // packet, so a connection that never brings it (its probe missed it, the source dropped it) is a loss.
    const other = otherKind(kind);
    if (this.carried.has(other)) this.seen[other] ??= { time, wallMs: nowMs };
    this.carried.add(kind);
    events.push(...this.checkLoss(other, time));
    return events;
  }

  /**
   * The connection was replaced: the next packets of a kind cannot prove the other one lost by the old times,
   * only by the new connection's (see packet).
   */
  reconnected(): void {
    for (const kind of ["video", "audio"] as const) delete this.seen[kind];
  }

  private checkLoss(kind: MediaKind, otherTime: number): DetectorEvent[] {
    const seen = this.seen[kind];
    if (!seen || this.losses[kind] || otherTime - seen.time < this.thresholds.lossAfter) return [];
    const loss = { start: seen.time, startedAtMs: seen.wallMs };
    this.losses[kind] = loss;
    return [
      { kind: "open", defect: describe(LOSS_TYPE[kind], loss, { lossAfter: this.thresholds.lossAfter }) },
    ];
  }

  private discontinuity(time: number, nowMs: number, jump: number): DetectorEvent[] {
    if (time - this.lastDiscontinuityAt < DISCONTINUITY_MERGE_SECONDS) return [];
    this.lastDiscontinuityAt = time;
    const at = { start: time, startedAtMs: nowMs };
    const metrics = { jumpSeconds: round(jump) };
    return [
      { kind: "open", defect: describe("discontinuity", at, metrics) },
      close("discontinuity", at, time, nowMs, metrics),
    ];
  }
}

function otherKind(kind: MediaKind): MediaKind {
  return kind === "video" ? "audio" : "video";
}

function describe(type: DefectType, open: OpenStreamDefect, metrics: Record<string, number>): Defect {
  return {
    type,
    start: round(open.start),
    severity: type === "discontinuity" ? "minor" : "critical",
    confidence: 1,
    metrics,
    startedAt: new Date(open.startedAtMs).toISOString(),
  };
}

function close(
  type: DefectType,
  open: OpenStreamDefect,
  end: number,
  nowMs: number,
  metrics: Record<string, number>,
): DetectorEvent {
  const defect = { ...describe(type, open, metrics), end: round(Math.max(end, open.start)) };
  return { kind: "close", defect: { ...defect, endedAt: new Date(nowMs).toISOString() } };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
