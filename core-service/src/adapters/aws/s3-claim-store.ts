import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ClaimStore } from "../../ports/claim-store.ts";
import { CLAIMS_PREFIX } from "./event-store-layout.ts";
import { parseS3Uri } from "./s3-presigner.ts";

export interface S3ClaimStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
}

/** Claim checks in S3 (the ingest bucket's `events/claims/`), read back by the status projector. */
export class S3ClaimStore implements ClaimStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3ClaimStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? CLAIMS_PREFIX;
  }

  async put(key: string, body: string): Promise<string> {
    const objectKey = `${this.#prefix}${key}`;
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: objectKey,
        Body: body,
        ContentType: "application/json",
      }),
    );
    return `s3://${this.#bucket}/${objectKey}`;
  }

  async get(uri: string): Promise<string> {
    const { bucket, key } = parseS3Uri(uri);
    // Events can be put on the bus by anyone allowed to; a reference may only lead into this store.
    if (bucket !== this.#bucket || !key.startsWith(this.#prefix)) {
      throw new Error(`${uri} is outside the claim store s3://${this.#bucket}/${this.#prefix}`);
    }
    const object = await this.#client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) throw new Error(`${uri} has no body`);
    return object.Body.transformToString("utf8");
  }
}
