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

const KINDS: readonly Mutation["kind"][] = [
  "truncate",
  "flip-structure",
  "flip-payload",
  "splice",
  "wrong-extension",
];

/** `count` cases drawn from `seed`, each from one of the files in `seeds` (with their sizes). */
export function planCases(
  seeds: readonly (SeedFile & { readonly size: number })[],
  seed: number,
  count: number,
): FuzzCase[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const between = (low: number, high: number) => low + Math.floor(random() * Math.max(1, high - low));
  return Array.from({ length: count }, (_, index) => {
    const file = pick(seeds);
    const kind = KINDS[index % KINDS.length] as Mutation["kind"];
    const flips = (low: number, high: number): [number, number][] =>
      Array.from({ length: between(1, 17) }, () => [between(low, high), between(1, 256)]);
    const ownExtension = file.path.slice(file.path.lastIndexOf(".") + 1);
    switch (kind) {
      case "truncate":
        return {
          index,
          extension: ownExtension,
          mutation: { kind, seed: file.name, keepBytes: between(0, file.size) },
        };
      case "flip-structure": {
        // Half the flips near the start, half near the end.
        const region = random() < 0.5 ? [0, STRUCTURE_BYTES] : [file.size - STRUCTURE_BYTES, file.size];
        const [low, high] = region.map((n) => Math.min(Math.max(0, n as number), file.size)) as [
          number,
          number,
        ];
        return {
          index,
          extension: ownExtension,
          mutation: { kind, seed: file.name, flips: flips(low, high) },
        };
      }
      case "flip-payload":
        return {
          index,
          extension: ownExtension,
          mutation: { kind, seed: file.name, flips: flips(STRUCTURE_BYTES, file.size - STRUCTURE_BYTES) },
        };
      case "splice": {
        const other = pick(seeds);
        return {
          index,
          extension: ownExtension,
          mutation: {
            kind,
            seed: file.name,
            headBytes: between(0, file.size),
            other: other.name,
            tailFrom: between(0, other.size),
          },
        };
      }
      case "wrong-extension":
        return {
          index,
          extension: pick(EXTENSIONS.filter((e) => e !== ownExtension)),
          mutation: { kind, seed: file.name },
        };
    }
  });
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
