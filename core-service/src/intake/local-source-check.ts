import { isLocalPath } from "../media/source.ts";
import { type FfmpegSupportProvider, resolveSupportedSource } from "../media/source-support.ts";
import { checkLocalFile } from "../security/local-roots.ts";
import type { SourceCheck } from "./intake.ts";

export interface LocalSourceCheckOptions {
  /** Folders whose files may be analysed (`AVMON_LOCAL_ROOTS`). */
  readonly roots: readonly string[];
  /** The SSRF guard, when the local stack is shared; absent, any URL is accepted, LAN and loopback included. */
  readonly checkUrl?: (url: string) => Promise<unknown>;
  /** Whose ffmpeg decides which sources are readable; default the one this process runs. */
  readonly support?: FfmpegSupportProvider;
}

/**
 * The local stack's source rules: the protocols ffmpeg may use for the job's mode and can read, local files only below the
 * roots (the worker checks again right before opening), and URLs through the guard when it is on.
 */
export function localSourceCheck(options: LocalSourceCheckOptions): SourceCheck {
  return async (source, { live }) => {
    await resolveSupportedSource(source, { allowLocalFiles: true, live, support: options.support });
    if (isLocalPath(source)) await checkLocalFile(source.trim(), options.roots);
    else await options.checkUrl?.(source.trim());
  };
}
