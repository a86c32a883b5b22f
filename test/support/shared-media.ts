/**
 * The real clips of the steering repository's shared/media (see its README), found by walking up from this
 * checkout: a clone of main sits beside shared/, a worktree one level deeper.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function findSharedMedia(): string {
  for (let dir = join(import.meta.dirname, "../.."); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, "shared/media");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no shared/media directory above ${import.meta.dirname}`);
}

let found: string | undefined;

/** The path of a clip in shared/media. */
export function sharedMedia(file: string): string {
  found ??= findSharedMedia();
  return join(found, file);
}
