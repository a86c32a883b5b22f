import { describe, expect, it } from "vitest";
import {
  ColourBarsSignalOptions,
  createColourBarsDetector,
} from "../../../core-service/src/detectors/bars-on-air.ts";
import { ColourBarsFinder } from "../../../core-service/src/detectors/colour-bars.ts";
import type { Defect } from "../../../core-service/src/domain/defect.ts";
import { seededRandom } from "../../support/seeded-random.ts";

const WIDTH = 320;
const HEIGHT = 180;
const FPS = 25;

/** Luma of 75 % SMPTE bars (BT.601), of SMPTE HD bars (BT.709, between 40 % grey side panels), of EBU 100/0/75/0. */
const SMPTE = [180, 162, 131, 112, 84, 65, 35];
const SMPTE_HD = [180, 168, 145, 133, 63, 51, 28];
const EBU = [235, 162, 131, 112, 84, 65, 35, 16];

/** Bars across the picture (between side panels when given), with a lower third of other patches as SMPTE has. */
function bars(levels: readonly number[], { sidePanel = 0, fullField = false } = {}): Uint8Array {
  const data = new Uint8Array(WIDTH * HEIGHT);
  const inner = WIDTH - 2 * sidePanel;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const lower = !fullField && y >= (HEIGHT * 2) / 3;
      const bar = Math.min(levels.length - 1, Math.floor(((x - sidePanel) * levels.length) / inner));
      const inside = x >= sidePanel && x < WIDTH - sidePanel;
      data[y * WIDTH + x] = lower
        ? x < WIDTH / 4
          ? 57
          : x < WIDTH / 2
            ? 235
            : 16
        : inside
          ? (levels[bar] as number)
          : 104;
    }
  }
  return data;
}

/** An identification caption: a box of bright text-like texture across the middle of the picture. */
function withCaption(picture: Uint8Array, top = 60, height = 30): Uint8Array {
  const data = picture.slice();
  const rng = seededRandom(3);
  for (let y = top; y < top + height; y++)
    for (let x = 40; x < WIDTH - 40; x++) data[y * WIDTH + x] = rng() < 0.4 ? 235 : 16;
  return data;
}

const rng = seededRandom(11);
const programme = Uint8Array.from(
  { length: WIDTH * HEIGHT },
  (_, i) => 40 + ((i * 31) % 97) + Math.floor(rng() * 60),
);
/** A side-lit backdrop: the same on every row, luma falling gently from left to right. */
const ramp = Uint8Array.from({ length: WIDTH * HEIGHT }, (_, i) =>
  Math.round(200 - ((i % WIDTH) * 120) / WIDTH),
);
/** Vertical stripes of alternating luma: flat bands on identical rows, but no falling staircase. */
const stripes = Uint8Array.from({ length: WIDTH * HEIGHT }, (_, i) =>
  Math.floor((i % WIDTH) / 40) % 2 ? 180 : 60,
);

function play(segments: readonly [number, Uint8Array][], options = {}): Defect[] {
  const detector = createColourBarsDetector(options);
  const closed: Defect[] = [];
  let index = 0;
  for (const [seconds, data] of segments) {
    for (let i = 0; i < seconds * FPS; i++, index++) {
      const frame = {
        index,
        time: index / FPS,
        width: WIDTH,
        height: HEIGHT,
        data,
        range: "limited" as const,
      };
      for (const event of detector.push(frame)) if (event.kind === "close") closed.push(event.defect);
    }
  }
  for (const event of detector.flush(index / FPS)) if (event.kind === "close") closed.push(event.defect);
  return closed;
}

describe("colour bars finder", () => {
  const finder = new ColourBarsFinder({ minBars: 7, minStripShare: 0.5 });

  it.each([
    ["SMPTE bars", bars(SMPTE), 7],
    ["SMPTE HD bars between side panels", bars(SMPTE_HD, { sidePanel: 40 }), 7],
    ["full-field EBU bars", bars(EBU, { fullField: true }), 8],
  ])("recognises %s by their falling luma staircase", (_name, picture, count) => {
    const match = finder.find({ data: picture, width: WIDTH, height: HEIGHT });

    expect(match).toEqual({ isBars: true, bars: count, stripShare: 1 });
  });

  it("recognises bars under an identification caption, from the strips the caption leaves clear", () => {
    const match = finder.find({
      data: withCaption(bars(EBU, { fullField: true })),
      width: WIDTH,
      height: HEIGHT,
    });

    expect(match.isBars).toBe(true);
    expect(match.stripShare).toBeGreaterThanOrEqual(0.5);
    expect(match.stripShare).toBeLessThan(1);
  });

  it.each([
    ["programme", programme],
    ["a gently lit backdrop", ramp],
    ["vertical stripes", stripes],
    ["bars under a caption covering most of them", withCaption(bars(SMPTE), 0, 80)],
  ])("does not take %s for bars", (_name, picture) => {
    expect(finder.find({ data: picture, width: WIDTH, height: HEIGHT }).isBars).toBe(false);
  });
});

describe("colour bars finder, strip by strip", () => {
  const STRIPS = Math.floor((HEIGHT * 0.6) / 4);
  const full = bars(EBU, { fullField: true });

  /** Full-field bars with programme in every strip not listed. */
  function barsInStrips(strips: ReadonlySet<number>): Uint8Array {
    const data = programme.slice();
    for (const strip of strips) {
      const rows = [strip * 4, strip * 4 + 4].map((row) => row * WIDTH);
      data.set(full.subarray(rows[0], rows[1]), rows[0]);
    }
    return data;
  }

  it.each([1, 2, 3, 4, 5])(
    "takes bars in half the strips for bars wherever those strips are, and one strip fewer for none (layout %i)",
    (seed) => {
      const finder = new ColourBarsFinder({ minBars: 7, minStripShare: 0.5 });
      const rng = seededRandom(seed);
      // Seed 1 puts the bars in the last strips, after every strip that could miss has missed.
      const order = Array.from({ length: STRIPS }, (_, i) => i);
      if (seed === 1) order.reverse();
      else order.sort(() => rng() - 0.5);
      const needed = Math.ceil(STRIPS / 2);
      const enough = barsInStrips(new Set(order.slice(0, needed)));
      const tooFew = barsInStrips(new Set(order.slice(0, needed - 1)));

      expect(finder.find({ data: enough, width: WIDTH, height: HEIGHT })).toEqual({
        isBars: true,
        bars: 8,
        stripShare: needed / STRIPS,
      });
      expect(finder.find({ data: tooFew, width: WIDTH, height: HEIGHT }).isBars).toBe(false);
    },
  );

  it("measures a new picture afresh though the decoder reuses its buffer", () => {
    const finder = new ColourBarsFinder({ minBars: 7, minStripShare: 0.5 });
    const buffer = full.slice();
    const first = { data: buffer, width: WIDTH, height: HEIGHT };

    expect(finder.find(first).isBars).toBe(true);
    buffer.set(programme);
    expect(finder.find({ data: buffer, width: WIDTH, height: HEIGHT }).isBars).toBe(false);
  });
});

describe("colour bars detector", () => {
  it("reports bars on air for 5 s as a major test-signal, from their first picture to the programme's return", () => {
    const defects = play([
      [2, programme],
      [8, bars(SMPTE)],
      [2, programme],
    ]);

    expect(defects).toEqual([
      expect.objectContaining({ type: "test-signal", start: 2, end: 10, severity: "major" }),
    ]);
    expect(defects[0]?.metrics).toEqual({ signal: "colour-bars", bars: 7, stripShare: 1 });
  });

  it("does not report bars shown for less than the minimum duration", () => {
    expect(
      play([
        [4, bars(EBU, { fullField: true })],
        [1, programme],
      ]),
    ).toEqual([]);
  });

  it("gives the documented defaults", () => {
    expect(ColourBarsSignalOptions.parse({})).toEqual({
      minDuration: 5,
      criticalDuration: 60,
      barsMinCount: 7,
      barsMinStripShare: 0.5,
      barsEndAfterFrames: 3,
    });
  });
});
