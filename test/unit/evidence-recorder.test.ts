import { describe, expect, it } from "vitest";
import type { AudioChunk, DetectorEvent } from "../../core-service/src/detectors/types.ts";
import { EVIDENCE_FORMATS } from "../../core-service/src/domain/evidence.ts";
import { EvidenceRecorder, type Released } from "../../core-service/src/evidence/evidence-recorder.ts";
import { SoundLevels } from "../../core-service/src/evidence/sound-levels.ts";
import type { EvidencePicture } from "../../core-service/src/media/decode-outputs.ts";
import { aDefect, anOpenDefect } from "../support/avmon-events.ts";

const picture = (time: number): EvidencePicture => ({
  time,
  width: 320,
  height: 180,
  jpeg: new Uint8Array([0xff, 0xd8, Math.round(time * 10), 0xff, 0xd9]),
});
const open = (type: DetectorEvent["defect"]["type"], start: number): DetectorEvent => ({
  kind: "open",
  defect: anOpenDefect({ type, start }),
});
const close = (type: DetectorEvent["defect"]["type"], start: number, end: number): DetectorEvent => ({
  kind: "close",
  defect: aDefect({ type, start, end }),
});
const summary = (released: readonly Released<DetectorEvent>[]) =>
  released.map(({ event, image }) => `${event.kind} ${event.defect.type}${image ? ` @${image.at}` : ""}`);

/** A tone at −6 dBFS until `quietFrom`, then digital silence, in 50 ms chunks. */
function toneThenSilence(seconds: number, quietFrom: number): AudioChunk[] {
  const rate = 8000;
  const chunks: AudioChunk[] = [];
  for (let t = 0; t < seconds; t += 0.05) {
    const samples = new Float32Array(rate * 0.05 * 2);
    for (let i = 0; i < samples.length / 2; i++) {
      const time = t + i / rate;
      const value = time < quietFrom ? 0.5 * Math.sin(2 * Math.PI * 440 * time) : 0;
      samples[2 * i] = value;
      samples[2 * i + 1] = value;
    }
    chunks.push({ time: t, sampleRate: rate, channels: 2, channelNames: ["FL", "FR"], samples });
  }
  return chunks;
}

describe("the evidence recorder", () => {
  it("holds a black open until the picture at its onset has come, and lets nothing overtake it", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    recorder.picture(picture(1.5));

    const first = recorder.admit([open("black", 2), open("silence", 2.1)]);
    const afterEarlierPicture = recorder.picture(picture(1.9));
    const afterOnsetPicture = recorder.picture(picture(2.5));

    expect(first).toEqual([]);
    expect(afterEarlierPicture).toEqual([]);
    // No sound was recorded, so the silence has no strip to show.
    expect(summary(afterOnsetPicture)).toEqual(["open black @2.5", "open silence"]);
  });

  it("takes the first picture at or after the onset, not a later one that has also arrived", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    for (const time of [5, 5.5, 6, 6.5, 7]) recorder.picture(picture(time));

    expect(summary(recorder.admit([open("freeze", 5.7)]))).toEqual(["open freeze @6"]);
  });

  it("shows a stall with the last picture before it, without waiting for one after it", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    for (const time of [10, 10.5, 11]) recorder.picture(picture(time));

    expect(summary(recorder.admit([open("stall", 11.2)]))).toEqual(["open stall @11"]);
  });

  it("gives a defect's image to its first event only: the open, or a close that had no open", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    recorder.picture(picture(3));

    const released = recorder.admit([open("black", 1), close("black", 1, 2.5), close("freeze", 2, 3)]);

    expect(summary(released)).toEqual(["open black @3", "close black", "close freeze @3"]);
  });

  it("lets everything waiting go, with the best picture there is, when the decode ends", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    recorder.picture(picture(8));
    expect(recorder.admit([open("black", 9), close("black", 9, 9.4)])).toEqual([]);

    expect(summary(recorder.drain())).toEqual(["open black @8", "close black"]);
    expect(recorder.waiting).toBe(0);
  });

  it("lets a live event go after it has waited long enough by the wall clock", () => {
    let now = 0;
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true, nowMs: () => now });
    recorder.picture(picture(20));
    recorder.admit([open("freeze", 21)]);

    now = 2999;
    expect(recorder.overdue(3000)).toEqual([]);
    now = 3000;
    expect(summary(recorder.overdue(3000))).toEqual(["open freeze @20"]);
  });

  it("sends picture defects on at once, without an image, when the decode makes no pictures", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: false });

    expect(summary(recorder.admit([open("black", 1)]))).toEqual(["open black"]);
  });

  it("keeps a bounded number of pictures however long the source", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    for (let i = 0; i < 10_000; i++) recorder.picture(picture(i / 2));

    // The oldest picture kept is a few seconds old: an onset before it gets the oldest one kept.
    const [released] = recorder.admit([open("freeze", 0)]);
    expect(released?.image?.at).toBeGreaterThan(4990);
  });

  it("draws a silence as a strip from before its onset, the level falling to the floor after it", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: false });
    for (const chunk of toneThenSilence(10, 6)) recorder.sound(chunk);

    const [released] = recorder.admit([open("silence", 6)]);

    expect(released?.image?.format).toBe(EVIDENCE_FORMATS.sound);
    expect(released?.image?.at).toBe(6);
    expect(new TextDecoder().decode(released?.image?.bytes)).toContain(
      "<title>silence at 00:06.00: sound level from 00:01.00 to 00:10.00</title>",
    );
  });
});

describe("the evidence recorder on sources with several audio tracks and defects of every kind", () => {
  const polylines = (image: Released<DetectorEvent>["image"]) =>
    new TextDecoder().decode(image?.bytes).match(/<polyline [^>]*>/g);

  it("draws a defect on track 2 from track 2's sound, not the first track's", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: false });
    const alone = new EvidenceRecorder<DetectorEvent>({ pictures: false });
    const secondTrack = toneThenSilence(10, 6);
    for (const [i, chunk] of toneThenSilence(10, 100).entries()) {
      recorder.sound(chunk, 0);
      recorder.sound(secondTrack[i] as AudioChunk, 1);
    }
    for (const chunk of secondTrack) alone.sound(chunk);
    const onTrack2 = {
      kind: "open",
      defect: { ...anOpenDefect({ type: "silence", start: 6 }), track: 2 },
    } as const;

    const [released] = recorder.admit([onTrack2]);
    const [reference] = alone.admit([open("silence", 6)]);

    expect(polylines(released?.image)).toEqual(polylines(reference?.image));
    expect(new TextDecoder().decode(released?.image?.bytes)).toContain(
      "<title>silence on track 2 at 00:06.00",
    );
    // The first track's tone never stops: its strip would be another picture.
    const [firstTrack] = recorder.admit([open("silence", 6)]);
    expect(polylines(firstTrack?.image)).not.toEqual(polylines(reference?.image));
  });

  it("tells apart defects that start together: a loud burst and its true-peak over each keep their own image", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: false });
    for (const chunk of toneThenSilence(10, 100)) recorder.sound(chunk);
    const loudness = (metrics: Record<string, number>, end?: number): DetectorEvent =>
      end === undefined
        ? { kind: "open", defect: { ...anOpenDefect({ type: "loudness", start: 4 }), metrics } }
        : { kind: "close", defect: { ...aDefect({ type: "loudness", start: 4, end }), metrics } };

    const released = recorder.admit([
      loudness({ shortTerm: -10 }),
      loudness({ truePeak: 0.5 }),
      loudness({ shortTerm: -10 }, 7),
      loudness({ truePeak: 0.5 }, 4.2),
    ]);

    // Both opens have a strip; neither close (each follows its own open) needs one.
    expect(released.map((r) => [r.event.kind, r.image !== undefined])).toEqual([
      ["open", true],
      ["open", true],
      ["close", false],
      ["close", false],
    ]);
  });

  it("sends an unwatched stretch on at once, with no image: nothing of it was decoded", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    recorder.picture(picture(1));
    for (const chunk of toneThenSilence(3, 100)) recorder.sound(chunk);

    expect(summary(recorder.admit([open("unwatched", 2)]))).toEqual(["open unwatched"]);
  });

  it("shows colour bars as the picture at their onset and a line-up tone as a sound strip", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: true });
    for (const chunk of toneThenSilence(10, 100)) recorder.sound(chunk);
    const signal = (name: string): DetectorEvent => ({
      kind: "open",
      defect: { ...anOpenDefect({ type: "test-signal", start: 3 }), metrics: { signal: name } },
    });

    expect(recorder.admit([signal("colour-bars")])).toEqual([]);
    const [bars, tone] = [...recorder.picture(picture(3)), ...recorder.admit([signal("line-up-tone")])];

    expect(bars?.image).toMatchObject({ format: EVIDENCE_FORMATS.picture, at: 3 });
    expect(tone?.image).toMatchObject({ format: EVIDENCE_FORMATS.sound, at: 3 });
  });
});

describe("a channel loss's strip", () => {
  it("draws the quietest channel too, falling to the floor where the channel went silent", () => {
    const recorder = new EvidenceRecorder<DetectorEvent>({ pictures: false });
    for (const chunk of toneThenSilence(10, 100)) {
      // The right channel goes silent at 5 s; the left carries on.
      const frames = chunk.samples.length / 2;
      for (let i = 0; i < frames; i++)
        if (chunk.time + i / chunk.sampleRate >= 5) chunk.samples[2 * i + 1] = 0;
      recorder.sound(chunk);
    }

    const [loss] = recorder.admit([open("channel-loss", 5)]);
    const [silence] = recorder.admit([open("silence", 5)]);
    const lines = (image: Released<DetectorEvent>["image"]) =>
      new TextDecoder().decode(image?.bytes).match(/<polyline points="([^"]*)"/g) ?? [];

    expect(lines(silence?.image)).toHaveLength(2);
    const quietest = lines(loss?.image)[2] ?? "";
    const ys = [...quietest.matchAll(/([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    // 320 px for 5 s before and 5 s after the onset: the right half is the silent channel, at the floor (y 82).
    const after = ys.filter(([x]) => (x as number) > 170);
    const before = ys.filter(([x]) => (x as number) < 150);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every(([, y]) => y === 82)).toBe(true);
    expect(before.every(([, y]) => (y as number) < 82)).toBe(true);
  });
});

describe("the sound level ring", () => {
  it("measures each 100 ms block's RMS and peak, in dBFS", () => {
    const levels = new SoundLevels();
    for (const chunk of toneThenSilence(2, 1)) levels.push(chunk);

    const loud = levels.between(0.15, 0.85);
    const quiet = levels.between(1.15, 1.85);
    // A sine of amplitude 0.5: peak −6 dBFS, RMS −9 dBFS.
    for (const point of loud) {
      expect(point.peak).toBeCloseTo(-6.02, 0);
      expect(point.rms).toBeCloseTo(-9.03, 0);
    }
    expect(quiet.every((p) => p.rms === -90 && p.peak === -90)).toBe(true);
    expect(loud).toHaveLength(7);
  });

  it("keeps only the last 40 seconds", () => {
    const levels = new SoundLevels();
    for (const chunk of toneThenSilence(100, 200)) levels.push(chunk);

    const kept = levels.between(0, 100);
    expect(kept).toHaveLength(400);
    expect(kept[0]?.t).toBeCloseTo(60, 5);
  });
});
