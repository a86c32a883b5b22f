import { createHash } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { idempotencyKey } from "../../core-service/src/adapters/aws/job-table-layout.ts";

/** How long a key is remembered; a client retrying later than this creates a new job. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export type Claim =
  | { readonly kind: "new" }
  | { readonly kind: "repeat"; readonly jobId: string }
  | { readonly kind: "conflict" };

export interface IdempotencyStore {
  /** Claims `key` for `jobId` and this request; tells a repeat (same request) from a reuse (different one). */
  claim(key: string, requestHash: string, jobId: string): Promise<Claim>;
  /** Forgets a claim whose job could not be queued, so the client's retry can succeed. */
  release(key: string): Promise<void>;
}

/** A stable hash of a request: the same JSON with keys in any order hashes the same. */
export function requestHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function dynamoIdempotencyStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  now: () => Date = () => new Date(),
): IdempotencyStore {
  return {
    async claim(key, hash, jobId) {
      const expiresAt = Math.floor(now().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS;
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...idempotencyKey(key), requestHash: hash, jobId, expiresAt },
            // An expired record may linger until DynamoDB's TTL sweep removes it; treat it as absent.
            ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
            ExpressionAttributeValues: { ":now": Math.floor(now().getTime() / 1000) },
          }),
        );
        return { kind: "new" };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: idempotencyKey(key), ConsistentRead: true }),
      );
      if (!Item) return this.claim(key, hash, jobId);
      return Item.requestHash === hash
        ? { kind: "repeat", jobId: Item.jobId as string }
        : { kind: "conflict" };
    },
    async release(key) {
      await client.send(new DeleteCommand({ TableName: tableName, Key: idempotencyKey(key) }));
    },
  };
}
