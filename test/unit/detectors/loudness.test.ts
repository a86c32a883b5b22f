import { describe, expect, it } from "vitest";
import { createLoudnessDetector, LoudnessOptions } from "../../../core-service/src/detectors/loudness.ts";
import { LoudnessMeter } from "../../../core-service/src/detectors/loudness-meter.ts";
import type { AudioChunk, AudioDetector, DetectorEvent } from "../../../core-service/src/detectors/types.ts";

/** A stretch of programme: a 1 kHz tone (or seeded noise bursts) at a peak level in dBFS, on some channels. */
interface Segment {
  readonly seconds: number;
  readonly dbfs: number;
  readonly signal?: "tone" | "speech-like";
  /** Channels carrying the signal; all when absent. */
  readonly on?: readonly number[];
}

interface Format {
  readonly rate?: number;
  readonly channels?: number;
  readonly names?: readonly string[];
  readonly chunkFrames?: number;
}

/** Streams segments as chunks, so 100 s of audio never sits in memory at once. */
function* programme(segments: readonly Segment[], format: Format = {}): Generator<AudioChunk> {
  const { rate = 48000, channels = 2, names = [], chunkFrames = 4800 } = format;
  let frame = 0;
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * 2 - 1;
  };
  for (const segment of segments) {
    const amplitude = 10 ** (segment.dbfs / 20);
    const end = frame + Math.round(segment.seconds * rate);
    while (frame < end) {
      const count = Math.min(chunkFrames, end - frame);
      const samples = new Float32Array(count * channels);
      for (let f = 0; f < count; f++) {
        const t = (frame + f) / rate;
        const value =
          segment.signal === "speech-like"
            ? t % 0.45 < 0.3
              ? amplitude * noise()
              : 0 // 300 ms "words", 150 ms pauses
            : amplitude * Math.sin(2 * Math.PI * 1000 * t);
        for (let c = 0; c < channels; c++)
          if (!segment.on || segment.on.includes(c)) samples[f * channels + c] = value;
      }
      yield { time: frame / rate, sampleRate: rate, channels, channelNames: names, samples };
      frame += count;
    }
  }
}

function analyse(detector: AudioDetector, chunks: Iterable<AudioChunk>) {
  const events: DetectorEvent[] = [];
  let end = 0;
  for (const chunk of chunks) {
    events.push(...detector.push(chunk));
    end = chunk.time + chunk.samples.length / chunk.channels / chunk.sampleRate;
  }
  events.push(...detector.flush(end));
  return {
    events,
    closed: events.filter((e) => e.kind === "close").map((e) => e.defect),
    summary: detector.summary?.(),
  };
}

function measure(segments: readonly Segment[], format: Format = {}) {
  const first = programme(segments, format).next().value as AudioChunk;
  const meter = new LoudnessMeter(first);
  let momentary: number | null = null;
  let shortTerm: number | null = null;
  for (const chunk of programme(segments, format)) {
    for (const step of meter.push(chunk.samples, chunk.time)) ({ momentary, shortTerm } = step);
  }
  return { momentary, shortTerm, integrated: meter.integrated() };
}

describe("BS.1770 meter on EBU Tech 3341 signals", () => {
  it("reads a −23 dBFS 1 kHz stereo sine as −23.0 LUFS momentary, short-term and integrated", () => {
    const m = measure([{ seconds: 20, dbfs: -23 }]);
    expect(m.momentary).toBeCloseTo(-23, 1);
    expect(m.shortTerm).toBeCloseTo(-23, 1);
    expect(m.integrated).toBeCloseTo(-23, 1);
  });

  it("reads a −33 dBFS sine as −33.0 LUFS", () => {
    const m = measure([{ seconds: 20, dbfs: -33 }]);
    expect(m.momentary).toBeCloseTo(-33, 1);
    expect(m.shortTerm).toBeCloseTo(-33, 1);
    expect(m.integrated).toBeCloseTo(-33, 1);
  });

  it("reads the same at 44.1 kHz", () => {
    const m = measure([{ seconds: 20, dbfs: -23 }], { rate: 44100 });
    expect(m.shortTerm).toBeCloseTo(-23, 1);
    expect(m.integrated).toBeCloseTo(-23, 1);
  });

  it("counts a mono channel once, so a −20 dBFS mono sine reads −23 LUFS", () => {
    expect(measure([{ seconds: 10, dbfs: -20 }], { channels: 1 }).integrated).toBeCloseTo(-23, 1);
  });

  it("gates out quiet lead-in and tail (Tech 3341 case 4: −72/−36/−23/−36/−72 dBFS reads −23)", () => {
    const m = measure([
      { seconds: 10, dbfs: -72 },
      { seconds: 10, dbfs: -36 },
      { seconds: 60, dbfs: -23 },
      { seconds: 10, dbfs: -36 },
      { seconds: 10, dbfs: -72 },
    ]);
    expect(m.integrated).toBeCloseTo(-23, 1);
  });

  it("weights 5.1 surrounds by 1.41 and ignores the LFE", () => {
    const names = ["FL", "FR", "FC", "LFE", "BL", "BR"];
    const front =
      measure([{ seconds: 5, dbfs: -20, on: [0] }], { channels: 6, names }).integrated ?? Number.NaN;
    const surround =
      measure([{ seconds: 5, dbfs: -20, on: [4] }], { channels: 6, names }).integrated ?? Number.NaN;
    const lfeOnly = measure([{ seconds: 5, dbfs: -20, on: [3] }], { channels: 6, names }).integrated;
    expect(surround - front).toBeCloseTo(10 * Math.log10(1.41), 2);
    expect(lfeOnly).toBeNull();
  });

  it("assumes ffmpeg's 5.1 layout for six unnamed channels", () => {
    const lfeOnly = measure([{ seconds: 5, dbfs: -20, on: [3] }], { channels: 6 }).integrated;
    const surround = measure([{ seconds: 5, dbfs: -20, on: [5] }], { channels: 6 }).integrated;
    expect(lfeOnly).toBeNull();
    expect(surround).toBeCloseTo(-23 + 10 * Math.log10(1.41), 1);
  });
});

describe("loudness detector", () => {
  it("reports a 20 s too-loud section with onset and end within 0.25 s", () => {
    const { events, closed } = analyse(
      createLoudnessDetector(),
      programme([
        { seconds: 20, dbfs: -23 },
        { seconds: 20, dbfs: -10 },
        { seconds: 15, dbfs: -23 },
      ]),
    );
    expect(closed).toHaveLength(1);
    const [defect] = closed;
    expect(Math.abs((defect?.start ?? 0) - 20)).toBeLessThanOrEqual(0.25);
    expect(Math.abs((defect?.end ?? 0) - 40)).toBeLessThanOrEqual(0.25);
    expect(defect?.metrics.deviation).toBeCloseTo(13, 0);
    expect(events[0]).toMatchObject({ kind: "open", defect: { type: "loudness", start: defect?.start } });
  });

  it("reports a too-quiet section with onset and end within 0.25 s", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([
        { seconds: 20, dbfs: -23 },
        { seconds: 20, dbfs: -40 },
        { seconds: 15, dbfs: -23 },
      ]),
    );
    expect(closed).toHaveLength(1);
    expect(Math.abs((closed[0]?.start ?? 0) - 20)).toBeLessThanOrEqual(0.25);
    expect(Math.abs((closed[0]?.end ?? 0) - 40)).toBeLessThanOrEqual(0.25);
    expect(closed[0]?.metrics.deviation).toBeLessThan(-8);
  });

  it("places the edges of a loud stretch of speech-like bursts despite the pauses between words", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([
        { seconds: 20.1, dbfs: -22, signal: "speech-like" },
        { seconds: 15.3, dbfs: -4, signal: "speech-like" },
        { seconds: 15, dbfs: -22, signal: "speech-like" },
      ]),
    );
    expect(closed).toHaveLength(1);
    expect(Math.abs((closed[0]?.start ?? 0) - 20.1)).toBeLessThanOrEqual(0.25);
    expect(Math.abs((closed[0]?.end ?? 0) - 35.4)).toBeLessThanOrEqual(0.25);
  });

  it("accepts normal dynamics and a loud scene shorter than the minimum duration", () => {
    const swings = Array.from({ length: 8 }, (_, i) => ({ seconds: 4, dbfs: i % 2 ? -18 : -28 }));
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([...swings, { seconds: 6, dbfs: -8 }, { seconds: 10, dbfs: -23 }]),
    );
    expect(closed).toEqual([]);
  });

  it("leaves silence to the silence detector instead of calling it too quiet", () => {
    const { closed } = analyse(
      createLoudnessDetector(),
      programme([
        { seconds: 10, dbfs: -23 },
        { seconds: 20, dbfs: -200 },
        { seconds: 10, dbfs: -23 },
      ]),
    );
    expect(closed).toEqual([]);
  });

  it("measures against the configured target (ATSC A/85's −24 or any other)", () => {
    const hot = [{ seconds: 15, dbfs: -16 }];
    expect(analyse(createLoudnessDetector(), programme(hot)).closed).toEqual([]);
    const strict = analyse(createLoudnessDetector({ target: -30 }), programme(hot));
    expect(strict.closed).toHaveLength(1);
    expect(strict.summary).toEqual({ integratedLoudness: expect.closeTo(-16, 1), target: -30 });
  });

  it("reports the integrated loudness in its summary, and null before any audio", () => {
    expect(createLoudnessDetector().summary?.()).toEqual({ integratedLoudness: null, target: -23 });
    const { summary } = analyse(
      createLoudnessDetector({ target: -24 }),
      programme([{ seconds: 5, dbfs: -24 }]),
    );
    expect(summary?.integratedLoudness).toBeCloseTo(-24, 1);
    expect(summary?.target).toBe(-24);
  });

  it("gives the same result with 1-sample and 10000-sample chunks", () => {
    const segments = [
      { seconds: 4, dbfs: -23 },
      { seconds: 7, dbfs: -9 },
      { seconds: 4, dbfs: -23 },
    ];
    const options = { minDuration: 5 };
    const tiny = analyse(createLoudnessDetector(options), programme(segments, { chunkFrames: 1 }));
    const large = analyse(createLoudnessDetector(options), programme(segments, { chunkFrames: 10000 }));
    expect(large.closed).toHaveLength(1);
    expect(roundTimes(tiny.events)).toEqual(roundTimes(large.events));
    expect(tiny.summary?.integratedLoudness).toBeCloseTo(large.summary?.integratedLoudness ?? 0, 9);
  });
});

describe("LoudnessOptions", () => {
  it("documents its defaults: EBU R128 target, 8 LU tolerance for 10 s, silence below −70 LUFS", () => {
    expect(LoudnessOptions.parse({})).toEqual({
      target: -23,
      tolerance: 8,
      minDuration: 10,
      silenceGate: -70,
    });
  });

  it("rejects unknown settings", () => {
    expect(() => LoudnessOptions.parse({ targetLufs: -24 })).toThrow();
  });
});

function roundTimes(events: readonly DetectorEvent[]) {
  return events.map((e) => ({
    ...e,
    defect: { ...e.defect, start: e.defect.start.toFixed(6), end: e.defect.end?.toFixed(6) },
  }));
}
