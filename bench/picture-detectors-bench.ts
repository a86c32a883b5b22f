/**
 * `npm run bench -- picture`: CPU per analysis picture (320×180 luma) of the whole-picture detectors, on real
 * decoded pictures, against a baseline measured in the same run: one luma histogram pass, which is what the
 * black detector cost before it measured block by block. Runs alternate, ROUNDS times, and medians are kept.
 */
import { execFileSync } from "node:child_process";
import { createColourBarsDetector } from "../core-service/src/detectors/bars-on-air.ts";
import { BlackOptions, createBlackDetector } from "../core-service/src/detectors/black.ts";
import { createFreezeDetector, FreezeOptions } from "../core-service/src/detectors/freeze.ts";
import { stillPictureMeters } from "../core-service/src/detectors/still-pictures.ts";
import type { AnalysisFrameDetector, LumaFrame } from "../core-service/src/detectors/types.ts";
import { ffmpegBinaries } from "../core-service/src/media/ffmpeg.ts";

const WIDTH = 320;
const HEIGHT = 180;
const FRAMES = 500;
const ROUNDS = 7;

export async function pictureDetectorsBench(log: (line: string) => void): Promise<void> {
  const pictures = decodedPictures();
  const candidates: Record<string, () => (frame: LumaFrame) => void> = {
    "baseline: one luma histogram pass": () => {
      const histogram = new Uint32Array(256);
      return (frame) => {
        histogram.fill(0);
        for (const value of frame.data) histogram[value] = (histogram[value] as number) + 1;
      };
    },
    "black (blocks, overlays, masks)": () => pushing(createBlackDetector(BlackOptions.parse({}))),
    "freeze (overlays, black and bars left out)": () =>
      pushing(createFreezeDetector(FreezeOptions.parse({}), stillPictureMeters(BlackOptions.parse({})))),
    "freeze with overlayShare 0": () =>
      pushing(
        createFreezeDetector(
          FreezeOptions.parse({ overlayShare: 0 }),
          stillPictureMeters(BlackOptions.parse({})),
        ),
      ),
    "test-signal (colour bars)": () => pushing(createColourBarsDetector()),
  };
  const runs = new Map<string, number[]>(Object.keys(candidates).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(candidates)) {
      const push = make();
      const started = process.cpuUsage();
      pictures.forEach((data, index) => {
        push({ index, time: index / 25, width: WIDTH, height: HEIGHT, data, range: "limited" });
      });
      const used = process.cpuUsage(started);
      runs.get(name)?.push((used.user + used.system) / pictures.length);
    }
  }
  const baseline = median(runs.get("baseline: one luma histogram pass") ?? []);
  log(
    `CPU per ${WIDTH}×${HEIGHT} analysis picture, median of ${ROUNDS} alternating runs of ${pictures.length} pictures:`,
  );
  for (const [name, values] of runs) {
    const us = median(values);
    const perHour = (us * 25 * 3600) / 1e6;
    log(
      `${name.padEnd(46)} ${us.toFixed(1).padStart(7)} µs  ${(us / baseline).toFixed(2).padStart(6)}× baseline  ${perHour.toFixed(1).padStart(6)} CPU s per media hour at 25 fps`,
    );
  }
}

function pushing(detector: AnalysisFrameDetector): (frame: LumaFrame) => void {
  return (frame) => {
    detector.push(frame);
  };
}

/** Pictures of testsrc2 with moving and still stretches, scaled as the decode scales them. */
function decodedPictures(): Uint8Array[] {
  const { ffmpeg } = ffmpegBinaries();
  const raw = execFileSync(
    ffmpeg,
    [
      ...["-v", "error", "-f", "lavfi", "-i", `testsrc2=size=1280x720:rate=25,trim=end_frame=${FRAMES}`],
      ...["-vf", `format=yuv420p,extractplanes=y,scale=${WIDTH}:${HEIGHT}:flags=area`],
      ...["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
    ],
    { maxBuffer: WIDTH * HEIGHT * FRAMES + 1024 },
  );
  const size = WIDTH * HEIGHT;
  return Array.from({ length: Math.floor(raw.length / size) }, (_, i) =>
    raw.subarray(i * size, (i + 1) * size),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
