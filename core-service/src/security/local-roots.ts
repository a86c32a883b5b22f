import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InvalidSourceError } from "../domain/errors.ts";

/**
 * The one answer for every local path the server will not read — missing, unreadable, a folder, or outside the
 * roots — so the API cannot be used to learn which files exist on the machine.
 */
export const REFUSED_LOCAL_FILE =
  "not a readable file below the folders this server may read (AVMON_LOCAL_ROOTS)";

/**
 * Resolves `path` (relative to the working folder, `..` and symlinks followed) and returns the real path when
 * it is a readable regular file inside one of `roots` (themselves resolved the same way); otherwise throws an
 * InvalidSourceError with {@link REFUSED_LOCAL_FILE}. Checking the real path means a symlink inside a root
 * cannot point outside it. Callers open the returned path, not the one they were given.
 */
export async function checkLocalFile(path: string, roots: readonly string[]): Promise<string> {
  const real = await realFile(path);
  if (real !== undefined) {
    for (const root of await realRoots(roots)) if (isInside(real, root)) return real;
  }
  throw new InvalidSourceError(REFUSED_LOCAL_FILE);
}

async function realFile(path: string): Promise<string | undefined> {
  try {
    const real = await realpath(resolve(path));
    if (!(await stat(real)).isFile()) return undefined;
    await access(real, constants.R_OK);
    return real;
  } catch {
    return undefined;
  }
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  const resolved = await Promise.all(roots.map((root) => realpath(resolve(root)).catch(() => undefined)));
  return resolved.filter((root): root is string => root !== undefined);
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
