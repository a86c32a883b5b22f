import { GetObjectCommand, HeadObjectCommand, NotFound, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { EVIDENCE_FORMATS, evidenceKey } from "../../domain/evidence.ts";

/** Long enough to open the image from a dashboard or a chat message, short enough not to outlive the look. */
export const EVIDENCE_URL_SECONDS = 5 * 60;

export interface EvidenceLink {
  readonly url: string;
  readonly contentType: string;
  readonly expiresInSeconds: number;
}

export interface S3EvidenceOptions {
  readonly client: S3Client;
  /** The ingest bucket, whose `evidence/` prefix holds the images. */
  readonly bucket: string;
  readonly expiresInSeconds?: number;
}

/**
 * Evidence images in S3 (`evidence/{jobId}/{alertId}.jpg|svg`, the layout of domain/evidence.ts): finds the one
 * that exists and signs a short-lived GET for it, so a browser can show it without AWS credentials of its own.
 */
export class S3Evidence {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #expiresInSeconds: number;

  constructor(options: S3EvidenceOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#expiresInSeconds = options.expiresInSeconds ?? EVIDENCE_URL_SECONDS;
  }

  /** A presigned URL of the alert's image; undefined when the job has no image for that alert. */
  async link(jobId: string, alertId: string): Promise<EvidenceLink | undefined> {
    for (const format of EVIDENCE_FORMATS) {
      const key = evidenceKey(jobId, alertId, format);
      if (!(await this.#exists(key))) continue;
      const url = await getSignedUrl(
        this.#client,
        new GetObjectCommand({ Bucket: this.#bucket, Key: key, ResponseContentType: format.contentType }),
        { expiresIn: this.#expiresInSeconds },
      );
      return { url, contentType: format.contentType, expiresInSeconds: this.#expiresInSeconds };
    }
    return undefined;
  }

  async #exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === "NotFound") return false;
      throw error;
    }
  }
}
