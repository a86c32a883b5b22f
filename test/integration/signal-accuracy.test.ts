import { beforeAll, describe, expect, it } from "vitest";
import type { Defect, DetectorName } from "../../core-service/src/domain/defect.ts";
import type { Report } from "../../core-service/src/domain/report.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { expectFoundWell, Scoreboard } from "../support/scoring.ts";
import { SIGNAL_CORPUS, type SignalTruth } from "../support/signal-corpus.ts";

const TOLERANCE_SECONDS = 0.25;
const OFFSET_TOLERANCE_MS = 10;
const TYPES: readonly DetectorName[] = ["av-sync", "channel-loss", "phase", "test-signal"];
/** Generating the clips the first time (no cache) and analysing them takes a few minutes on 2 busy cores. */
const CORPUS_TIMEOUT_MS = 900_000;

const board = new Scoreboard(TOLERANCE_SECONDS);
const reports = new Map<string, Report>();

/** The detection that matches a truth by type, onset and end. */
function matchOf(truth: SignalTruth, defects: readonly Defect[]): Defect | undefined {
  return defects.find(
    (d) =>
      d.type === truth.type &&
      Math.abs(d.start - truth.start) <= TOLERANCE_SECONDS &&
      Math.abs((d.end ?? d.start) - truth.end) <= TOLERANCE_SECONDS,
  );
}

describe("sync and channel detectors on generated clips with known defects", () => {
  beforeAll(async () => {
    for (const clip of SIGNAL_CORPUS) {
      // Every detector runs, as by default: the new ones must also stay quiet where the others have work.
      const report = await analyzeSource(await clip.make(), { allowLocalFiles: true });
      reports.set(clip.name, report);
      board.add(clip.name, clip.truths, report.defects, TYPES);
    }
  }, CORPUS_TIMEOUT_MS);

  for (const type of TYPES) {
    it(`finds ${type} with precision and recall of at least 0.95, onset and end within ${TOLERANCE_SECONDS} s`, () => {
      expectFoundWell(board, type);
    });
  }

  it(`measures every test-signal offset within ${OFFSET_TOLERANCE_MS} ms, positive when the audio is late`, () => {
    const measured = SIGNAL_CORPUS.flatMap((clip) =>
      clip.truths
        .filter((t) => t.offsetMs !== undefined)
        .map((t) => ({
          clip: clip.name,
          truth: t.offsetMs as number,
          got: matchOf(t, reports.get(clip.name)?.defects ?? [])?.metrics.offsetMs,
        })),
    );

    expect(measured.length).toBeGreaterThanOrEqual(4);
    for (const m of measured) {
      expect(m.got, `${m.clip}: no matching av-sync`).toBeTypeOf("number");
      expect(
        Math.abs((m.got as number) - m.truth),
        `${m.clip}: ${m.got} ms for ${m.truth} ms`,
      ).toBeLessThanOrEqual(OFFSET_TOLERANCE_MS);
    }
  });

  it("says how each av-sync was found: the test signal, or the stream durations", () => {
    const methods = SIGNAL_CORPUS.flatMap((clip) =>
      clip.truths
        .filter((t) => t.type === "av-sync")
        .map((t) => [clip.name, matchOf(t, reports.get(clip.name)?.defects ?? [])?.metrics.method]),
    );

    expect(methods).toContainEqual(["sync-audio-late-300ms-mp4", "test-signal"]);
    expect(methods).toContainEqual(["sync-audio-2s-short-mp4", "durations"]);
  });

  it("names the channels that were lost or put in anti-phase", () => {
    for (const clip of SIGNAL_CORPUS) {
      for (const truth of clip.truths.filter((t) => t.channels)) {
        const found = matchOf(truth, reports.get(clip.name)?.defects ?? []);
        expect(found?.metrics.channels, clip.name).toEqual(truth.channels);
      }
    }
  });

  it("says mono carried as stereo in the audio summary, and real stereo is not", () => {
    for (const clip of SIGNAL_CORPUS.filter((c) => c.monoInStereo !== undefined)) {
      expect(reports.get(clip.name)?.media.audio?.monoInStereo, clip.name).toBe(clip.monoInStereo);
    }
  });

  it("names the line-up tone as the test signal found", () => {
    const tones = [...reports.values()].flatMap((r) => r.defects.filter((d) => d.type === "test-signal"));

    expect(tones.length).toBeGreaterThan(0);
    expect(tones.map((d) => d.metrics.signal)).toEqual(tones.map(() => "line-up-tone"));
  });
});
