/**
 * `npm run bench -- levels`: what the dashboard's levels sampling (DetectorSet's `onLevels`, once per media
 * second) adds to the detectors' work. The same synthetic 10 minutes of 320x180 pictures at 10/s and stereo
 * 48 kHz audio go through black, freeze and loudness with and without sampling, in alternating rounds; the
 * medians of the CPU time are compared. Decoding is left out on purpose: sampling does not touch ffmpeg, so
 * the detectors' own time is the denominator that could show a difference.
 */
import { cpuUsage } from "node:process";
import { createDetectors } from "../core-service/src/detectors/registry.ts";
import type { AudioChunk, LumaFrame } from "../core-service/src/detectors/types.ts";
import { DetectorSet } from "../core-service/src/pipeline/detector-set.ts";

const MEDIA_SECONDS = 600;
const FPS = 10;
const WIDTH = 320;
const HEIGHT = 180;
const RATE = 48_000;
const ROUNDS = 5;

export async function levelsBench(log: (line: string) => void): Promise<void> {
  const pictures = [0, 1, 2, 3].map((seed) => texturedPicture(seed));
  const sound = toneChunk();
  const without: number[] = [];
  const withLevels: number[] = [];
  let points = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    without.push(await cpuOf(() => analyse(pictures, sound)));
    withLevels.push(
      await cpuOf(() =>
        analyse(pictures, sound, () => {
          points++;
        }),
      ),
    );
    log(`Round ${round} of ${ROUNDS}: ${ms(without.at(-1))} without, ${ms(withLevels.at(-1))} with levels`);
  }
  const base = median(without);
  const sampled = median(withLevels);
  log("");
  log(`detectors (black, freeze, loudness) on ${MEDIA_SECONDS} s of media, median of ${ROUNDS} rounds:`);
  log(`  without levels sampling: ${ms(base)}`);
  log(`  with levels sampling:    ${ms(sampled)}  (${points / ROUNDS} points a run)`);
  log(
    `  with / without:          ${(sampled / base).toFixed(3)}×  (target: within run-to-run noise, ≈ 1.00×)`,
  );
}

async function analyse(pictures: Uint8Array[], sound: Float32Array, onLevels?: () => void): Promise<void> {
  const set = new DetectorSet(createDetectors(["black", "freeze", "loudness"]), undefined, { onLevels });
  const { analysisFrame, audio } = set.sink(undefined, MEDIA_SECONDS);
  for (let i = 0; i < MEDIA_SECONDS * FPS; i++) {
    const time = i / FPS;
    await audio?.(
      {
        time,
        sampleRate: RATE,
        channels: 2,
        channelNames: ["FL", "FR"],
        samples: sound,
      } satisfies AudioChunk,
      0,
    );
    const data = pictures[Math.floor(i / 3) % pictures.length] as Uint8Array;
    await analysisFrame?.({
      index: i,
      time,
      width: WIDTH,
      height: HEIGHT,
      data,
      range: "limited",
    } satisfies LumaFrame);
  }
  await set.finish(MEDIA_SECONDS);
}

async function cpuOf(run: () => Promise<void>): Promise<number> {
  const before = cpuUsage();
  await run();
  const spent = cpuUsage(before);
  return (spent.user + spent.system) / 1000;
}

function texturedPicture(seed: number): Uint8Array {
  const data = new Uint8Array(WIDTH * HEIGHT);
  for (let i = 0; i < data.length; i++) data[i] = 40 + ((i * 13 + seed * 977) % 160);
  return data;
}

/** 100 ms of a 1 kHz stereo tone at −23 dBFS. */
function toneChunk(): Float32Array {
  const frames = RATE / FPS;
  const samples = new Float32Array(frames * 2);
  const peak = 10 ** (-23 / 20);
  for (let i = 0; i < frames; i++) {
    const value = peak * Math.sin((2 * Math.PI * 1000 * i) / RATE);
    samples[2 * i] = value;
    samples[2 * i + 1] = value;
  }
  return samples;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function ms(value: number | undefined): string {
  return `${(value ?? 0).toFixed(0)} ms`;
}
