import { InvalidSourceError } from "../../core-service/src/domain/errors.ts";
import type { JobRequest } from "../../core-service/src/domain/job.ts";
import { containerFfmpegSupport } from "../../core-service/src/media/container-ffmpeg.ts";
import { resolveSupportedSource } from "../../core-service/src/media/source-support.ts";
import { checkSourceUrl, type Resolver } from "../../core-service/src/security/ssrf-guard.ts";

/**
 * Where a job's media may come from: objects in this stack's ingest bucket, or network sources that pass the
 * SSRF guard, in a protocol the job's mode allows (rtmp:// and srt:// only live) and the workers' ffmpeg reads
 * (its declared capabilities: this Lambda cannot run ffmpeg). Throws an AvmonError saying why otherwise.
 */
export async function checkJobSource(
  { source, mode }: Pick<JobRequest, "source" | "mode">,
  ingestBucket: string,
  resolve?: Resolver,
): Promise<void> {
  if (source.toLowerCase().startsWith("s3://")) {
    const { bucket, key } = parseS3Uri(source);
    if (bucket !== ingestBucket || key === "") {
      throw new InvalidSourceError(`S3 sources must be objects in the ingest bucket s3://${ingestBucket}/`);
    }
    return;
  }
  await resolveSupportedSource(source, {
    allowLocalFiles: false,
    live: mode === "live",
    support: containerFfmpegSupport,
  });
  await checkSourceUrl(source, resolve ? { resolve } : {});
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const rest = uri.slice("s3://".length);
  const slash = rest.indexOf("/");
  return slash < 0 ? { bucket: rest, key: "" } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}
