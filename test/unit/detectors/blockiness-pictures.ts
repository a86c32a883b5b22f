/** Synthetic luma pictures for the blockiness tests: natural-looking content, and the artefacts to find in it. */
import type { LumaFrame } from "../../../core-service/src/detectors/types.ts";

export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface Region {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

/** Deterministic noise in [-1, 1], so every run sees the same pictures. */
function noiseSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x7fffffff - 1;
  };
}

/** Shading, two textures, a crisp-edged disc at an arbitrary place, and sensor noise: like a filmed picture. */
export function texturedScene(width: number, height: number, seed = 1, brightness = 110): Plane {
  const noise = noiseSource(seed);
  const data = new Uint8Array(width * height);
  const discX = width * 0.37 + seed;
  const discY = height * 0.55;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shading = 0.45 * brightness * Math.sin((x + seed * 7) / 37 + y / 53);
      const texture = 0.2 * brightness * Math.sin(x / 5.3 - y / 7.1) * Math.cos(y / 4.7 + seed);
      const inDisc = (x - discX) ** 2 + (y - discY) ** 2 < (height * 0.2) ** 2;
      data[y * width + x] = clampByte(brightness + shading + texture + (inDisc ? 45 : 0) + 3 * noise());
    }
  }
  return { width, height, data };
}

/** What a starved DCT encoder does: each block keeps its mean and only a fraction of its detail. */
export function quantiseBlocks(
  plane: Plane,
  region: Region,
  detailKept: number,
  offsetX = 0,
  offsetY = 0,
): Plane {
  const data = Uint8Array.from(plane.data);
  const { width } = plane;
  for (let by = region.y0 + offsetY; by + 8 <= region.y1; by += 8) {
    for (let bx = region.x0 + offsetX; bx + 8 <= region.x1; bx += 8) {
      let sum = 0;
      for (let y = by; y < by + 8; y++)
        for (let x = bx; x < bx + 8; x++) sum += plane.data[y * width + x] as number;
      const mean = sum / 64;
      for (let y = by; y < by + 8; y++) {
        for (let x = bx; x < bx + 8; x++) {
          const i = y * width + x;
          data[i] = clampByte(mean + ((plane.data[i] as number) - mean) * detailKept);
        }
      }
    }
  }
  return { width: plane.width, height: plane.height, data };
}

/** Area-average downscale by an arbitrary factor (what an analysis-size scaler does to a grid). */
export function downscale(plane: Plane, factor: number): Plane {
  const width = Math.floor(plane.width * factor);
  const height = Math.floor(plane.height * factor);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx0 = Math.floor(x / factor);
      const sy0 = Math.floor(y / factor);
      const sx1 = Math.max(sx0 + 1, Math.floor((x + 1) / factor));
      const sy1 = Math.max(sy0 + 1, Math.floor((y + 1) / factor));
      let sum = 0;
      for (let sy = sy0; sy < sy1; sy++)
        for (let sx = sx0; sx < sx1; sx++) sum += plane.data[sy * plane.width + sx] as number;
      data[y * width + x] = Math.round(sum / ((sx1 - sx0) * (sy1 - sy0)));
    }
  }
  return { width, height, data };
}

/** A picture drawn by `shade(x, y)`, plus a little noise so it is not mathematically perfect. */
export function drawn(
  width: number,
  height: number,
  shade: (x: number, y: number) => number,
  seed = 3,
): Plane {
  const noise = noiseSource(seed);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data[y * width + x] = clampByte(shade(x, y) + noise());
  return { width, height, data };
}

export function checkerboard(cell: number, dark: number, light: number): (x: number, y: number) => number {
  return (x, y) => ((Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? dark : light);
}

/** Bricks 16x8 with 1-pixel mortar lines, courses offset by half a brick, lined up with the 8-pixel grid. */
export function brickWall(x: number, y: number): number {
  const course = Math.floor(y / 8);
  const joint = (x + (course % 2) * 8) % 16 === 0;
  return y % 8 === 0 || joint ? 150 : 95 + ((course * 37 + Math.floor(x / 16) * 11) % 20);
}

/** Horizontal slice-boundary edges of concealed macroblock rows: what damage without a full grid looks like. */
export function concealedSlices(plane: Plane, rows: readonly number[], shift: number): Plane {
  const data = Uint8Array.from(plane.data);
  for (const row of rows) {
    for (let y = row * 16; y < Math.min(plane.height, row * 16 + 16); y++) {
      for (let x = 0; x < plane.width; x++)
        data[y * plane.width + x] = clampByte((data[y * plane.width + x] as number) + shift);
    }
  }
  return { width: plane.width, height: plane.height, data };
}

export function frameAt(plane: Plane, time: number, index = Math.round(time * 5)): LumaFrame {
  return { index, time, width: plane.width, height: plane.height, data: plane.data, range: "limited" };
}

/** Sample times 5 per second over [from, to), as the pipeline sends them. */
export function sampleTimes(from: number, to: number): number[] {
  const times: number[] = [];
  for (let i = Math.round(from * 5); i < Math.round(to * 5); i++) times.push(Math.round(i * 20) / 100);
  return times;
}
