import { isLocalPath } from "../media/source.ts";
import { checkLocalFile } from "../security/local-roots.ts";
import type { SourcePreparer } from "./analyzer.ts";

/**
 * The local worker's last look at a local file, right before it is opened: the path may have changed since the
 * API accepted it (a symlink re-pointed, a file swapped in), so it is checked against the roots again and the
 * real path it resolved to is what gets opened. URLs pass through.
 */
export function localSourceGate(roots: readonly string[]): SourcePreparer {
  return async (source, signal) => {
    signal.throwIfAborted();
    return isLocalPath(source) ? checkLocalFile(source.trim(), roots) : source;
  };
}
