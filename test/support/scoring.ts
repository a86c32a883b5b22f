/** Precision/recall of detected defects against known ones, matching by type and onset/end tolerance. */
import { expect } from "vitest";
import type { Defect } from "../../core-service/src/domain/defect.ts";

export interface Truth {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** The audio track the defect is on, for a source with several (a detection must name the same one). */
  readonly track?: number;
}

export interface TypeScore {
  truths: number;
  detections: number;
  matchedTruths: number;
  matchedDetections: number;
  misses: string[];
  falseAlarms: string[];
}

export class Scoreboard {
  readonly byType = new Map<string, TypeScore>();

  constructor(private readonly tolerance: number) {}

  add(clip: string, truths: readonly Truth[], detected: readonly Defect[], types: readonly string[]): void {
    for (const type of types) {
      const score = this.score(type);
      const want = truths.filter((t) => t.type === type);
      const got = detected.filter((d) => d.type === type);
      score.truths += want.length;
      score.detections += got.length;
      const matches = (t: Truth, d: Defect) =>
        d.track === t.track &&
        Math.abs(d.start - t.start) <= this.tolerance &&
        Math.abs((d.end ?? d.start) - t.end) <= this.tolerance;
      for (const t of want) {
        if (got.some((d) => matches(t, d))) score.matchedTruths++;
        else score.misses.push(`${clip}: ${type}${onTrack(t)} ${t.start}–${t.end} (got ${describe(got)})`);
      }
      for (const d of got) {
        if (want.some((t) => matches(t, d))) score.matchedDetections++;
        else
          score.falseAlarms.push(`${clip}: ${type}${onTrack(d)} ${d.start.toFixed(2)}–${d.end?.toFixed(2)}`);
      }
    }
  }

  precision(type: string): number {
    const s = this.score(type);
    return s.detections === 0 ? 1 : s.matchedDetections / s.detections;
  }

  recall(type: string): number {
    const s = this.score(type);
    return s.truths === 0 ? 1 : s.matchedTruths / s.truths;
  }

  private score(type: string): TypeScore {
    let s = this.byType.get(type);
    if (!s) {
      s = { truths: 0, detections: 0, matchedTruths: 0, matchedDetections: 0, misses: [], falseAlarms: [] };
      this.byType.set(type, s);
    }
    return s;
  }
}

function describe(defects: readonly Defect[]): string {
  return (
    defects.map((d) => `${d.start.toFixed(2)}–${d.end?.toFixed(2)}${onTrack(d)}`).join(", ") || "nothing"
  );
}

function onTrack(defect: { readonly track?: number }): string {
  return defect.track === undefined ? "" : ` (track ${defect.track})`;
}

/** Fails the running test unless some truth is of `type` and it was found with precision and recall ≥ `minimum`. */
export function expectFoundWell(board: Scoreboard, type: string, minimum = 0.95): void {
  const score = board.byType.get(type);
  expect(score?.truths ?? 0, `no clip carries a ${type} defect`).toBeGreaterThan(0);
  expect(board.recall(type), `misses: ${score?.misses.join("; ")}`).toBeGreaterThanOrEqual(minimum);
  expect(board.precision(type), `false alarms: ${score?.falseAlarms.join("; ")}`).toBeGreaterThanOrEqual(
    minimum,
  );
}

/** The accuracy bar of the suites: some truths of `type`, and precision and recall of at least `minimum`. */
export function expectAccurate(board: Scoreboard, type: string, minimum = 0.95): void {
  const score = board.byType.get(type);
  expect(score?.truths ?? 0, `no clip carries a ${type} defect`).toBeGreaterThan(0);
  expect(board.recall(type), `misses: ${score?.misses.join("; ")}`).toBeGreaterThanOrEqual(minimum);
  expect(board.precision(type), `false alarms: ${score?.falseAlarms.join("; ")}`).toBeGreaterThanOrEqual(
    minimum,
  );
}
