import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** An absolute path inside the repository, whatever directory `cdk` or vitest was started from. */
export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}
