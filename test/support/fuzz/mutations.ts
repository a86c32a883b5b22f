/**
 * How the fuzzer damages a file, as plain data (a recipe), so a failing case can be printed and replayed:
 * truncation, byte flips in the container's structures or in the payload, two files spliced, a wrong
 * extension. Recipes are drawn from a seeded generator: the same seed plans the same cases.
 */
import { seededRandom } from "../seeded-random.ts";
import type { SeedFile } from "./seed-media.ts";

/** Where containers keep their structures: the start (headers) and the end (the MP4/MOV index, by default). */
const STRUCTURE_BYTES = 4096;
const EXTENSIONS = ["mp4", "mov", "mkv", "webm", "ts", "wav", "mp3", "txt"];

export type Mutation =
  | { readonly kind: "truncate"; readonly seed: string; readonly keepBytes: number }
  | {
      readonly kind: "flip-structure" | "flip-payload";
      readonly seed: string;
      readonly flips: [number, number][];
    }
  | {
      readonly kind: "splice";
      readonly seed: string;
      readonly headBytes: number;
      readonly other: string;
      readonly tailFrom: number;
    }
  | { readonly kind: "wrong-extension"; readonly seed: string };

export interface FuzzCase {
  readonly index: number;
  readonly mutation: Mutation;
  /** The extension the damaged file is given. */
  readonly extension: string;
}

type Seed = SeedFile & { readonly size: number };

interface Draw {
  pick<T>(items: readonly T[]): T;
  /** An integer in [low, high). */
  between(low: number, high: number): number;
  chance(): number;
}

/** One planner per kind of damage: the mutation of `file` and the extension the damaged file gets. */
const PLANNERS: Record<
  Mutation["kind"],
  (file: Seed, seeds: readonly Seed[], draw: Draw) => [Mutation, string]
> = {
  truncate: (file, _, draw) => [
    { kind: "truncate", seed: file.name, keepBytes: draw.between(0, file.size) },
    ext(file),
  ],
  "flip-structure": (file, _, draw) => {
    // Near the start or near the end, at random.
    const [low, high] = draw.chance() < 0.5 ? [0, STRUCTURE_BYTES] : [file.size - STRUCTURE_BYTES, file.size];
    const clamp = (n: number) => Math.min(Math.max(0, n), file.size);
    return [
      { kind: "flip-structure", seed: file.name, flips: flips(draw, clamp(low), clamp(high)) },
      ext(file),
    ];
  },
  "flip-payload": (file, _, draw) => [
    {
      kind: "flip-payload",
      seed: file.name,
      flips: flips(draw, STRUCTURE_BYTES, file.size - STRUCTURE_BYTES),
    },
    ext(file),
  ],
  splice: (file, seeds, draw) => {
    const other = draw.pick(seeds);
    const headBytes = draw.between(0, file.size);
    const tailFrom = draw.between(0, other.size);
    return [{ kind: "splice", seed: file.name, headBytes, other: other.name, tailFrom }, ext(file)];
  },
  "wrong-extension": (file, _, draw) => [
    { kind: "wrong-extension", seed: file.name },
    draw.pick(EXTENSIONS.filter((e) => e !== ext(file))),
  ],
};

const KINDS = Object.keys(PLANNERS) as Mutation["kind"][];

/** `count` cases drawn from `seed`, each kind in turn, each from one of `seeds` (with their sizes). */
export function planCases(seeds: readonly Seed[], seed: number, count: number): FuzzCase[] {
  const random = seededRandom(seed);
  const draw: Draw = {
    pick: (items) => items[Math.floor(random() * items.length)] as (typeof items)[number],
    between: (low, high) => low + Math.floor(random() * Math.max(1, high - low)),
    chance: random,
  };
  return Array.from({ length: count }, (_, index) => {
    const file = draw.pick(seeds);
    const kind = KINDS[index % KINDS.length] as Mutation["kind"];
    const [mutation, extension] = PLANNERS[kind](file, seeds, draw);
    return { index, mutation, extension };
  });
}

/** 1–16 bytes in [low, high), each XOR-ed with a non-zero value. */
function flips(draw: Draw, low: number, high: number): [number, number][] {
  return Array.from({ length: draw.between(1, 17) }, () => [draw.between(low, high), draw.between(1, 256)]);
}

function ext(file: SeedFile): string {
  return file.path.slice(file.path.lastIndexOf(".") + 1);
}

/** The damaged bytes a recipe describes. */
export function applyMutation(mutation: Mutation, bytesOf: (seed: string) => Buffer): Buffer {
  const original = bytesOf(mutation.seed);
  switch (mutation.kind) {
    case "truncate":
      return original.subarray(0, mutation.keepBytes);
    case "flip-structure":
    case "flip-payload": {
      const damaged = Buffer.from(original);
      for (const [offset, xor] of mutation.flips)
        if (offset < damaged.length) damaged[offset] = (damaged[offset] as number) ^ xor;
      return damaged;
    }
    case "splice":
      return Buffer.concat([
        original.subarray(0, mutation.headBytes),
        bytesOf(mutation.other).subarray(mutation.tailFrom),
      ]);
    case "wrong-extension":
      return original;
  }
}
