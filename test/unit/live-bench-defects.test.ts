/** The live bench's injected defects (bench/live-defects.ts): their bounds, their onsets across loops, and latency accounting. */
import { describe, expect, it } from "vitest";
import {
  CYCLE_SECONDS,
  injectedType,
  latenciesWithin,
  latencyBounds,
  MATCH_WINDOW_MS,
  matchLatencies,
  PROGRAMME,
  poolLatencies,
  programmeOnsets,
  type Timed,
} from "../../bench/live-defects.ts";

describe("latencyBounds", () => {
  it("is each detector's default minimum duration plus one GOP plus one second", () => {
    const bounds = latencyBounds(1);
    expect(bounds.black).toEqual({ minDuration: 1, gopSeconds: 1, seconds: 3 });
    expect(bounds.freeze.seconds).toBe(4);
    expect(bounds.silence.seconds).toBe(4);
    // The loud burst's short-term minimum, and the stall's stallAfter.
    expect(bounds.loudness.seconds).toBe(5);
    expect(bounds.stall.seconds).toBe(7);
  });
});

describe("injectedType", () => {
  it("names the injected defects, loudness only as a loud burst", () => {
    expect(injectedType({ type: "black", metrics: {} })).toBe("black");
    expect(injectedType({ type: "stall", metrics: {} })).toBe("stall");
    expect(injectedType({ type: "loudness", metrics: { shortTerm: -12 } })).toBe("loudness");
    expect(injectedType({ type: "loudness", metrics: { truePeak: 0.5 } })).toBeUndefined();
    expect(injectedType({ type: "discontinuity", metrics: {} })).toBeUndefined();
  });
});

describe("programmeOnsets", () => {
  const firstMs = 1_000_000;
  const publishedAt = (originTime: number) => firstMs + originTime * 1000;

  it("places each cycle's onsets on the wall clock, counting the loops, within the range asked", () => {
    const from = publishedAt(CYCLE_SECONDS);
    const onsets = programmeOnsets(publishedAt, from, publishedAt(2 * CYCLE_SECONDS));
    expect(onsets).toEqual([
      { type: "black", atMs: publishedAt(CYCLE_SECONDS + PROGRAMME.black.start) },
      { type: "freeze", atMs: publishedAt(CYCLE_SECONDS + PROGRAMME.freeze.start) },
      { type: "silence", atMs: publishedAt(CYCLE_SECONDS + PROGRAMME.silence.start) },
      { type: "loudness", atMs: publishedAt(CYCLE_SECONDS + PROGRAMME.loudness.start) },
    ]);
  });
});

describe("matchLatencies", () => {
  const scored = { fromMs: 10_000, untilMs: 100_000 };

  it("answers each onset with the first open of its type after it", () => {
    const onsets: Timed[] = [
      { type: "black", atMs: 20_000 },
      { type: "silence", atMs: 30_000 },
    ];
    const opens: Timed[] = [
      { type: "silence", atMs: 32_500 },
      { type: "black", atMs: 22_000 },
      { type: "black", atMs: 23_000 },
    ];
    const result = matchLatencies(onsets, opens, scored);
    expect(result.latencies.black).toEqual([2]);
    expect(result.latencies.silence).toEqual([2.5]);
    // The second black open is within the black onset's window: a re-open of the same defect, not a false alarm.
    expect(result.unexpected.black).toBe(0);
  });

  it("counts an onset with no open in its window as missed, and an open after no onset as unexpected", () => {
    const onsets: Timed[] = [{ type: "freeze", atMs: 40_000 }];
    const opens: Timed[] = [
      { type: "freeze", atMs: 40_000 + MATCH_WINDOW_MS + 1 },
      { type: "stall", atMs: 50_000 },
    ];
    const result = matchLatencies(onsets, opens, scored);
    expect(result.latencies.freeze).toEqual([]);
    expect(result.missed.freeze).toBe(1);
    expect(result.unexpected).toMatchObject({ freeze: 1, stall: 1 });
  });

  it("scores only onsets whose whole window lies inside the range", () => {
    const onsets: Timed[] = [
      { type: "black", atMs: 5_000 },
      { type: "black", atMs: 95_000 },
    ];
    // The open at 12 s answers the onset before the range, the one at 96 s an onset whose window runs past it:
    // neither is a latency, a miss or unexpected.
    const opens: Timed[] = [
      { type: "black", atMs: 12_000 },
      { type: "black", atMs: 96_000 },
    ];
    const result = matchLatencies(onsets, opens, scored);
    expect(result.latencies.black).toEqual([]);
    expect(result.missed.black).toBe(0);
    expect(result.unexpected.black).toBe(0);
  });
});

describe("poolLatencies", () => {
  it("adds the streams' latencies and counts together", () => {
    const scored = { fromMs: 0, untilMs: 100_000 };
    const onsets: Timed[] = [{ type: "stall", atMs: 10_000 }];
    const a = matchLatencies(onsets, [{ type: "stall", atMs: 15_000 }], scored);
    const b = matchLatencies(onsets, [], scored);
    const pooled = poolLatencies([a, b]);
    expect(pooled.latencies.stall).toEqual([5]);
    expect(pooled.missed.stall).toBe(1);
  });
});

describe("latenciesWithin", () => {
  const bounds = latencyBounds(1);
  const scored = { fromMs: 0, untilMs: 100_000 };
  const onsets: Timed[] = [{ type: "stall", atMs: 10_000 }];
  const answered = (atMs: number) => matchLatencies(onsets, [{ type: "stall", atMs }], scored);

  it("holds when every onset was answered within its bound", () => {
    expect(latenciesWithin(answered(10_000 + bounds.stall.seconds * 1000), bounds)).toBe(true);
  });

  it("fails on one late alert, and on one missed onset", () => {
    expect(latenciesWithin(answered(10_000 + bounds.stall.seconds * 1000 + 100), bounds)).toBe(false);
    expect(latenciesWithin(matchLatencies(onsets, [], scored), bounds)).toBe(false);
  });
});
