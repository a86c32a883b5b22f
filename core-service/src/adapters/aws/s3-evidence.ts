import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { EvidenceImage } from "../../domain/evidence.ts";
import type { LocatedEvidence } from "../../domain/evidence-location.ts";
import type { EvidenceStore } from "../../ports/evidence-store.ts";

/** Long enough to open the image from a dashboard or a chat message, short enough not to outlive the look. */
export const EVIDENCE_URL_SECONDS = 5 * 60;

export interface EvidenceLink {
  readonly url: string;
  readonly contentType: string;
  readonly expiresInSeconds: number;
}

export interface S3EvidenceOptions {
  readonly client: S3Client;
  /** The ingest bucket, whose `evidence/` prefix holds the images (layout: domain/evidence.ts). */
  readonly bucket: string;
  readonly expiresInSeconds?: number;
}

/**
 * Evidence images in S3: the worker puts them (under `evidence/` of the ingest bucket), the API hands them out
 * as short-lived presigned GETs so a browser can show one without AWS credentials of its own. Signing is local
 * (no S3 request); whether the image exists is the job view's word.
 */
export class S3Evidence implements EvidenceStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #expiresInSeconds: number;

  constructor(options: S3EvidenceOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#expiresInSeconds = options.expiresInSeconds ?? EVIDENCE_URL_SECONDS;
  }

  async put(key: string, image: EvidenceImage): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: image.bytes,
        ContentType: image.format.contentType,
      }),
    );
  }

  async link(evidence: LocatedEvidence): Promise<EvidenceLink> {
    const { key, format } = evidence;
    const command = new GetObjectCommand({
      Bucket: this.#bucket,
      Key: key,
      ResponseContentType: format.contentType,
    });
    const url = await getSignedUrl(this.#client, command, { expiresIn: this.#expiresInSeconds });
    return { url, contentType: format.contentType, expiresInSeconds: this.#expiresInSeconds };
  }
}
