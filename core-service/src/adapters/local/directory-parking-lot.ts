import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { type ParkedEvent, parkingKey, parseParkedEvent } from "../../domain/parked-event.ts";
import type { ParkedEntry, ParkingLot } from "../../ports/parking-lot.ts";

/** Undeliverable events in the local data folder (`<data folder>/undeliverable/<target>/<eventId>.json`). */
export class DirectoryParkingLot implements ParkingLot {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  get root(): string {
    return this.#root;
  }

  async park(parked: ParkedEvent): Promise<void> {
    const path = join(this.#root, parkingKey(parked));
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(parked, null, 2)}\n`);
  }

  async list(): Promise<ParkedEntry[]> {
    const entries: ParkedEntry[] = [];
    for (const target of await readdirIfAny(this.#root)) {
      for (const file of await readdirIfAny(join(this.#root, target))) {
        if (!file.endsWith(".json")) continue;
        const key = `${target}/${file}`;
        entries.push({ key, parked: parseParkedEvent(key, await readFile(join(this.#root, key), "utf8")) });
      }
    }
    return entries.sort((a, b) => a.parked.parkedAt.localeCompare(b.parked.parkedAt));
  }

  async remove(key: string): Promise<void> {
    await rm(join(this.#root, key), { force: true });
  }
}

async function readdirIfAny(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
