import { AvmonError, InvalidSourceError, SourceUnreachableError } from "../domain/errors.ts";
import { checkSourceUrl, type SsrfGuardOptions } from "../security/ssrf-guard.ts";
import type { SourcePreparer } from "./analyzer.ts";
import { untilAborted } from "./bounded.ts";

export interface SourceGateOptions {
  /** Signs `s3://bucket/key` into an HTTPS URL the decoder can read; absent (the local stack): S3 is refused. */
  readonly presignS3?: (uri: string) => Promise<string>;
  readonly ssrf?: SsrfGuardOptions;
}

const S3_SCHEME = /^s3:\/\//i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * The worker's last look at a source, at connect time (on AWS, and in the local stack when the guard is on):
 * S3 objects become presigned URLs, and network URLs are checked by the SSRF guard again, since the host's DNS
 * may have changed since the API accepted it (DNS rebinding). ffmpeg's own HTTP(S) requests then go through
 * the guarded proxy (security/guarded-proxy.ts), which checks each one again and connects to the address it
 * checked; rtmp and srt resolve once more inside ffmpeg, a short window the network's egress rules back up.
 * Anything else (a local path) passes through for the decoder.
 */
export function sourceGate(options: SourceGateOptions): SourcePreparer {
  // Neither signing (credentials may come from an endpoint that hangs) nor a DNS lookup takes a signal: a stop
  // must not wait for them.
  return (source, signal) => untilAborted(prepare(options, source), signal);
}

async function prepare(options: SourceGateOptions, source: string): Promise<string> {
  if (S3_SCHEME.test(source)) return presign(options, source);
  if (URL_SCHEME.test(source)) await checkSourceUrl(source, options.ssrf);
  return source;
}

async function presign(options: SourceGateOptions, source: string): Promise<string> {
  if (!options.presignS3) throw new InvalidSourceError(`${source}: S3 sources are read only on AWS`);
  try {
    return await options.presignS3(source);
  } catch (error) {
    if (error instanceof AvmonError) throw error;
    // Signing fails only when credentials cannot be loaded, which a later attempt may well get past.
    throw new SourceUnreachableError(`${source}: could not sign a URL for it`, { cause: error });
  }
}
