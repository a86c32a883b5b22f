import { mkdir, readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import writeFileAtomic from "write-file-atomic";
import type { ClaimStore } from "../../ports/claim-store.ts";

/** The local stack's claim store: one file per stored detail under `<data folder>/claims/`. */
export class FileClaimStore implements ClaimStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  async put(key: string, body: string): Promise<string> {
    const path = this.#inside(join(this.#root, key), key);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, body);
    return pathToFileURL(path).href;
  }

  async get(uri: string): Promise<string> {
    if (!uri.startsWith("file://")) throw new Error(`not a file:// URI: ${uri}`);
    return readFile(this.#inside(fileURLToPath(uri), uri), "utf8");
  }

  /** Keys and URIs come from events; neither may lead outside the claims folder. */
  #inside(path: string, named: string): string {
    const rel = relative(this.#root, resolve(path));
    if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
      throw new Error(`${named} is outside the claim store ${this.#root}`);
    }
    return resolve(path);
  }
}
