import { parseS3Uri } from "../../core-service/src/adapters/aws/s3-presigner.ts";
import { AvmonError, InvalidSourceError } from "../../core-service/src/domain/errors.ts";
import type { SourceCheck } from "../../core-service/src/intake/intake.ts";
import { containerFfmpegSupport } from "../../core-service/src/media/container-ffmpeg.ts";
import { resolveSupportedSource } from "../../core-service/src/media/source-support.ts";
import { checkSourceUrl, type Resolver } from "../../core-service/src/security/ssrf-guard.ts";

/**
 * Where a job's media may come from on AWS: objects in this stack's ingest bucket, or network sources whose
 * protocol suits the job's mode, that the workers' ffmpeg reads (its declared capabilities: this Lambda cannot
 * run ffmpeg) and that pass the SSRF guard. Never local files.
 */
export function awsSourceCheck(ingestBucket: string, resolve?: Resolver): SourceCheck {
  return async (source, { live }) => {
    if (source.toLowerCase().startsWith("s3://")) {
      if (!inBucket(source, ingestBucket)) {
        throw new InvalidSourceError(`S3 sources must be objects in the ingest bucket s3://${ingestBucket}/`);
      }
      return;
    }
    await resolveSupportedSource(source, { allowLocalFiles: false, live, support: containerFfmpegSupport });
    await checkSourceUrl(source, resolve ? { resolve } : {});
  };
}

function inBucket(source: string, ingestBucket: string): boolean {
  try {
    return parseS3Uri(source).bucket === ingestBucket;
  } catch (error) {
    if (error instanceof AvmonError) return false;
    throw error;
  }
}
