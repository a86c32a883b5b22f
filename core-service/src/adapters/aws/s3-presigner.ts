import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { InvalidSourceError } from "../../domain/errors.ts";

/**
 * Long enough for a long file to be read to its end: ffmpeg may reopen the URL (seeks, reconnects) late in the
 * analysis. A URL signed with the task role's temporary credentials stops working when those credentials
 * expire, whichever comes first (usually a few hours, refreshed by the SDK for new signatures only), so a job
 * longer than that fails retryably and is redelivered with a freshly signed URL.
 */
export const PRESIGNED_URL_SECONDS = 6 * 60 * 60;

export interface S3Object {
  readonly bucket: string;
  readonly key: string;
}

export function parseS3Uri(uri: string): S3Object {
  if (!uri.toLowerCase().startsWith("s3://")) throw new InvalidSourceError(`${uri}: not an s3:// URI`);
  const rest = uri.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? "" : rest.slice(slash + 1);
  if (bucket === "" || key === "") throw new InvalidSourceError(`${uri}: expected s3://bucket/key`);
  return { bucket, key };
}

/** Turns `s3://bucket/key` into an HTTPS GET URL ffmpeg can read without AWS credentials of its own. */
export function s3UrlPresigner(
  client: S3Client,
  expiresInSeconds = PRESIGNED_URL_SECONDS,
): (uri: string) => Promise<string> {
  return async (uri) => {
    const { bucket, key } = parseS3Uri(uri);
    return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  };
}
