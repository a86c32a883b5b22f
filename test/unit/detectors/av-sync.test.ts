import { describe, expect, it } from "vitest";
import { AvSyncOptions, createAvSyncDetector } from "../../../core-service/src/detectors/av-sync.ts";
import type {
  AudioVideoDetector,
  DetectorEvent,
  LumaFrame,
  PacketArrival,
} from "../../../core-service/src/detectors/types.ts";
import type { ClosedDefect } from "../../../core-service/src/domain/defect.ts";
import { noise, RATE, render, type Signal, sum, tone } from "./synthetic-audio.ts";

const FPS = 25;
const WIDTH = 32;
const HEIGHT = 18;

interface Programme {
  readonly seconds: number;
  /** Flash (one white picture) times, seconds. */
  readonly flashes: readonly number[];
  /** The sound: usually beeps() over a faint hiss. */
  readonly sound: Signal;
  /** Luma of the pictures that are not flashes (limited range). */
  readonly background?: (t: number) => number;
}

/** A flash/beep sync signal once a second, with the audio `offsetAt(t)` seconds late (negative = early). */
function syncSignal(seconds: number, offsetAt: (t: number) => number, from = 1): Programme {
  const flashes = [];
  for (let t = from; t < seconds - 0.5; t++) flashes.push(t);
  return { seconds, flashes, sound: beeps(flashes.map((t) => t + offsetAt(t))) };
}

/** 80 ms 1 kHz beeps at −18 dBFS starting at `times`, over a −70 dBFS hiss (what a codec leaves). */
function beeps(times: readonly number[], length = 0.08, frequency = 1000): Signal {
  const beep = tone(frequency, -18);
  const sorted = [...times].sort((a, b) => a - b);
  let next = 0;
  return sum(noise(-70, 3), (t, frame) => {
    // Samples come in time order: step past the beeps that have ended (or back, should time go back).
    if (next > 0 && t < (sorted[next - 1] as number) + length) next = 0;
    while (next < sorted.length && t >= (sorted[next] as number) + length) next++;
    const start = sorted[next];
    return start !== undefined && t >= start ? beep(t - start, frame) : 0;
  });
}

function picture(time: number, value: number): LumaFrame {
  return {
    index: Math.round(time * FPS),
    time,
    width: WIDTH,
    height: HEIGHT,
    data: new Uint8Array(WIDTH * HEIGHT).fill(value),
    range: "limited",
  };
}

/**
 * Feeds pictures and sound the way the decoder does, or with one running ahead of the other by `audioLead`
 * seconds (the pipes do not keep them in step), then flushes.
 */
function run(
  detector: AudioVideoDetector,
  programme: Programme,
  options: { audioLead?: number; extents?: boolean } = {},
): { events: DetectorEvent[]; closed: ClosedDefect[] } {
  const samples = render(programme.seconds, [programme.sound, programme.sound]);
  const frames = Math.round(programme.seconds * FPS);
  const chunkFrames = 1024;
  const events: DetectorEvent[] = [];
  let sample = 0;
  const pushAudioUntil = (time: number) => {
    while (sample < samples.length / 2 && sample / RATE < time) {
      const end = Math.min(samples.length / 2, sample + chunkFrames);
      events.push(
        ...detector.pushAudio({
          time: sample / RATE,
          sampleRate: RATE,
          channels: 2,
          channelNames: ["FL", "FR"],
          samples: samples.slice(sample * 2, end * 2),
        }),
      );
      sample = end;
    }
  };
  for (let i = 0; i < frames; i++) {
    const time = i / FPS;
    pushAudioUntil(time + (options.audioLead ?? 0));
    const flash = programme.flashes.some((f) => Math.abs(f - time) < 0.5 / FPS);
    events.push(...detector.pushPicture(picture(time, flash ? 235 : (programme.background?.(time) ?? 16))));
  }
  pushAudioUntil(Number.POSITIVE_INFINITY);
  events.push(...detector.flush(programme.seconds));
  return { events, closed: events.filter((e) => e.kind === "close").map((e) => e.defect as ClosedDefect) };
}

describe("av-sync on a flash/beep test signal", () => {
  it("measures audio 300 ms late to the millisecond and reports it while it lasts", () => {
    const { events, closed } = run(
      createAvSyncDetector(),
      syncSignal(12, () => 0.3),
    );

    expect(closed).toHaveLength(1);
    const [sync] = closed;
    expect(sync?.type).toBe("av-sync");
    expect(sync?.start).toBeCloseTo(1, 2);
    expect(sync?.end).toBe(12);
    expect(sync?.metrics.method).toBe("test-signal");
    expect(sync?.metrics.offsetMs).toBeGreaterThanOrEqual(299);
    expect(sync?.metrics.offsetMs).toBeLessThanOrEqual(301);
    expect(sync?.metrics.pairs).toBe(11);
    expect(sync?.severity).toBe("major");
    expect(events.filter((e) => e.kind === "open").map((e) => e.defect.start)).toEqual([
      expect.closeTo(1, 2),
    ]);
  });

  it("measures audio 150 ms early as a negative offset", () => {
    const [sync] = run(
      createAvSyncDetector(),
      syncSignal(10, () => -0.15),
    ).closed;

    expect(sync?.metrics.offsetMs).toBeCloseTo(-150, 0);
    expect(sync?.start).toBeCloseTo(0.85, 2);
  });

  it("raises nothing for offsets inside BT.1359's acceptability, on either side", () => {
    for (const offset of [0, 0.02, 0.15, -0.08]) {
      expect(
        run(
          createAvSyncDetector(),
          syncSignal(10, () => offset),
        ).events,
      ).toEqual([]);
    }
  });

  it("reports the same offsets under a tighter tolerance (EBU R37: 40 ms early, 60 ms late)", () => {
    const r37 = () => createAvSyncDetector({ audioEarlyMs: 40, audioLateMs: 60 });

    expect(
      run(
        r37(),
        syncSignal(10, () => 0.15),
      ).closed.map((d) => d.metrics.offsetMs),
    ).toEqual([expect.closeTo(150, 0)]);
    expect(
      run(
        r37(),
        syncSignal(10, () => -0.08),
      ).closed.map((d) => d.metrics.offsetMs),
    ).toEqual([expect.closeTo(-80, 0)]);
  });

  it("times a stretch out of sync between stretches in sync, and grades a large offset critical", () => {
    const offset = (t: number) => (t >= 8 && t < 16 ? 0.4 : 0);

    const { closed } = run(createAvSyncDetector(), syncSignal(24, offset));

    expect(closed.map((d) => [d.start, d.end])).toEqual([[expect.closeTo(8, 2), expect.closeTo(16, 2)]]);
    expect(closed[0]?.severity).toBe("critical");
  });

  it("gives the same offsets whichever of picture and sound reaches it first", () => {
    const programme = syncSignal(10, () => 0.25);
    const offsets = (audioLead: number) =>
      run(createAvSyncDetector(), programme, { audioLead }).closed.map((d) => [d.start, d.metrics.offsetMs]);

    expect(offsets(1.5)).toEqual(offsets(0));
    expect(offsets(-1.5)).toEqual(offsets(0));
  });

  it("ignores flashes without beeps, beeps without flashes, and one flash meeting one beep", () => {
    const flashesOnly = { ...syncSignal(10, () => 0.3), sound: noise(-70, 3) };
    const beepsOnly = { ...syncSignal(10, () => 0.3), flashes: [] };
    const once = { seconds: 10, flashes: [4], sound: beeps([4.3]) };

    for (const programme of [flashesOnly, beepsOnly, once]) {
      expect(run(createAvSyncDetector(), programme).events).toEqual([]);
    }
  });

  it("does not take bursts of noise or of two tones for beeps", () => {
    const flashes = [1, 2, 3, 4, 5, 6, 7, 8];
    const hiss = noise(-18, 5);
    const chord = sum(tone(1000, -20), tone(1500, -20));
    for (const burst of [hiss, chord]) {
      const bursts: Signal = (t, frame) => (t % 1 >= 0.3 && t % 1 < 0.4 ? burst(t, frame) : 0);

      expect(run(createAvSyncDetector(), { seconds: 10, flashes, sound: bursts }).events).toEqual([]);
    }
  });

  it("does not take a cut to a brighter scene for a flash", () => {
    const cuts = {
      ...syncSignal(10, () => 0.3),
      flashes: [],
      background: (t: number) => (Math.floor(t) % 2 ? 200 : 30),
    };

    expect(run(createAvSyncDetector(), cuts).events).toEqual([]);
  });

  it("refuses options that make no sense, naming them", () => {
    expect(() => AvSyncOptions.parse({ audioLateMs: -5 })).toThrow(/audioLateMs/);
    expect(() => AvSyncOptions.parse({ beepMinDuration: 1, beepMaxDuration: 0.5 })).toThrow(
      /beepMinDuration/,
    );
  });
});

describe("av-sync from a file's stream durations", () => {
  const frame = 1 / 25;
  const extents = (audio: { start: number; end: number }) => ({
    video: { start: 0, end: 60, frameDuration: frame },
    audio,
  });

  it("reports audio that ends more than two frames before the video, over the stretch left silent", () => {
    const [event] = createAvSyncDetector().pushExtents(extents({ start: 0, end: 57.5 }));

    expect(event?.kind).toBe("close");
    expect(event?.defect).toMatchObject({
      type: "av-sync",
      start: 57.5,
      end: 60,
      metrics: { method: "durations", audioDuration: 57.5, videoDuration: 60, differenceMs: -2500 },
    });
  });

  it("reports audio more than two seconds longer than the video", () => {
    const events = createAvSyncDetector().pushExtents(extents({ start: 0, end: 63 }));

    expect(events.map((e) => [e.defect.start, e.defect.metrics.differenceMs])).toEqual([[60, 3000]]);
  });

  it("accepts audio a frame short or a second long (codec frames, priming)", () => {
    expect(createAvSyncDetector().pushExtents(extents({ start: 0, end: 60 - frame }))).toEqual([]);
    expect(createAvSyncDetector().pushExtents(extents({ start: 0.02, end: 61 }))).toEqual([]);
  });

  it("places a shortfall at the start when the audio starts late", () => {
    const events = createAvSyncDetector().pushExtents(extents({ start: 3, end: 60 }));

    expect(events.map((e) => [e.defect.start, (e.defect as ClosedDefect).end])).toEqual([[0, 3]]);
  });
});

describe("av-sync from live timestamps", () => {
  /**
   * Arrivals of a live stream: 25 pictures and ~47 audio packets a second, each arriving `delay(t)` after its
   * timestamp plus jitter; audio timestamps run `audioClock` times as fast as real time.
   */
  function arrivals(
    seconds: number,
    options: {
      audioClock?: number;
      jitterMs?: number;
      epochAt?: number;
      /** Audio packets sent this many ms early for one second from `at` (a sender's burst). */
      audioBurst?: { at: number; earlyMs: number };
      /** From `at` on, video reaches us `videoMs` sooner and audio `audioMs` later, for good (no clock slips). */
      deliveryShift?: { at: number; videoMs: number; audioMs: number };
    } = {},
  ) {
    const out: PacketArrival[] = [];
    const jitter = noise(0, 11);
    const epochOf = (t: number) => (options.epochAt !== undefined && t >= options.epochAt ? 1 : 0);
    const shift = (t: number, kind: "videoMs" | "audioMs") => {
      const delivery = options.deliveryShift;
      return delivery && t >= delivery.at ? delivery[kind] : 0;
    };
    for (let i = 0; i < seconds * 25; i++) {
      const t = i / 25;
      out.push({
        kind: "video",
        time: t,
        wallMs:
          1e6 + t * 1000 + 200 - shift(t, "videoMs") + (options.jitterMs ?? 30) * Math.abs(jitter(t, i)),
        epoch: epochOf(t),
      });
    }
    for (let i = 0; i < (seconds * 48000) / 1024; i++) {
      const t = (i * 1024) / 48000;
      const stamped = t * (options.audioClock ?? 1) + (epochOf(t) ? 50 : 0);
      const burst = options.audioBurst;
      const early = burst && t >= burst.at && t < burst.at + 1 ? burst.earlyMs : 0;
      out.push({
        kind: "audio",
        time: stamped,
        wallMs:
          1e6 +
          t * 1000 +
          180 -
          early +
          shift(t, "audioMs") +
          (options.jitterMs ?? 30) * Math.abs(jitter(t, i + 7)),
        epoch: epochOf(t),
      });
    }
    return out.sort((a, b) => a.wallMs - b.wallMs);
  }

  function feed(list: readonly PacketArrival[], options: AvSyncOptions = {}) {
    const detector = createAvSyncDetector(options);
    const events = list.flatMap((a) => detector.pushArrival(a));
    const last = list.at(-1)?.time ?? 0;
    return [...events, ...detector.flush(last)];
  }

  it("reports audio timestamps that slip 1 % ahead of the pictures and of their arrival", () => {
    const events = feed(arrivals(90, { audioClock: 1.01 }));

    const opened = events.find((e) => e.kind === "open");
    expect(opened?.defect.metrics.method).toBe("timestamps");
    // 1 % of a second a second: past the 400 ms floor after ~40 s of drift, counted from the baseline window (10 s).
    expect(opened?.defect.start).toBeGreaterThan(46);
    expect(opened?.defect.start).toBeLessThan(54);
    const closed = events.find((e) => e.kind === "close");
    expect(closed?.defect.metrics.offsetMs).toBeGreaterThan(600);
    expect(closed?.defect.metrics.audioClockDriftMs).toBeGreaterThan(600);
    expect(Math.abs(Number(closed?.defect.metrics.videoClockDriftMs))).toBeLessThan(50);
  });

  it("raises nothing for a second of sound sent early (a looping sender's burst), however early", () => {
    // One early packet holds each kind's least lateness for a whole window: a drift must outlast that.
    expect(feed(arrivals(60, { audioBurst: { at: 25, earlyMs: 400 } }))).toEqual([]);
  });

  it("raises nothing when delivery shifts the kinds 190 ms apart for good, unless the floor is lowered", () => {
    // What a machine running past its capacity did to a healthy stream: video 100 ms sooner, audio 90 ms later.
    const shifted = arrivals(90, { deliveryShift: { at: 30, videoMs: 100, audioMs: 90 } });
    expect(feed(shifted)).toEqual([]);
    const opened = feed(shifted, { driftToleranceMs: 0 }).find((e) => e.kind === "open");
    expect(opened?.defect.metrics.offsetMs).toBeCloseTo(-190, -1);
  });

  it("raises nothing on steady timestamps with arrival jitter", () => {
    expect(feed(arrivals(60, { jitterMs: 80 }))).toEqual([]);
  });

  it("starts again from a new baseline after the timestamps start afresh", () => {
    expect(feed(arrivals(40, { epochAt: 20 }))).toEqual([]);
  });
});
