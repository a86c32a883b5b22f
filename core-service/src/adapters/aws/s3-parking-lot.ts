import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { type ParkedEvent, parkingKey, parseParkedEvent } from "../../domain/parked-event.ts";
import type { ParkedEntry, ParkingLot } from "../../ports/parking-lot.ts";
import { UNDELIVERABLE_PREFIX } from "./event-store-layout.ts";

export interface S3ParkingLotOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
}

/**
 * Undeliverable events as S3 objects under the ingest bucket's `events/undeliverable/`. S3 rather than an SQS
 * parking queue: an event refused as too large does not fit an SQS message either, S3 keeps records until they
 * are replayed or the bucket's lifecycle ages them out (not SQS's 14 days), and the claim checks live there too.
 */
export class S3ParkingLot implements ParkingLot {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3ParkingLotOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? UNDELIVERABLE_PREFIX;
  }

  async park(parked: ParkedEvent): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: `${this.#prefix}${parkingKey(parked)}`,
        Body: JSON.stringify(parked),
        ContentType: "application/json",
      }),
    );
  }

  async list(): Promise<ParkedEntry[]> {
    const entries: ParkedEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.endsWith(".json")) continue;
        const key = object.Key.slice(this.#prefix.length);
        const got = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: object.Key }));
        const text = (await got.Body?.transformToString("utf8")) ?? "";
        entries.push({ key, parked: parseParkedEvent(`s3://${this.#bucket}/${object.Key}`, text) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return entries.sort((a, b) => a.parked.parkedAt.localeCompare(b.parked.parkedAt));
  }

  async remove(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: `${this.#prefix}${key}` }));
  }
}
