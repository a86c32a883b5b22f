import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { EvidenceImage } from "../../domain/evidence.ts";
import type { EvidenceStore } from "../../ports/evidence-store.ts";

/**
 * Evidence images as files below one folder. Each is written to a temporary name and renamed into place, so a
 * reader (the evidence endpoint) never serves half an image.
 */
export class FolderEvidenceStore implements EvidenceStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  async put(key: string, image: EvidenceImage): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${randomUUID()}.partial`;
    try {
      await writeFile(partial, image.bytes);
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /** Where `key` lives; refuses a key that would leave the folder. */
  pathOf(key: string): string {
    const path = resolve(this.#root, key);
    const inside = relative(this.#root, path);
    if (inside === "" || inside.startsWith("..") || isAbsolute(inside))
      throw new Error(`evidence key ${JSON.stringify(key)} is not a file below ${this.#root}`);
    return path;
  }
}
