import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { alertKey } from "../../core-service/src/adapters/aws/job-table-layout.ts";

/** How long one delivery may hold an alert before another may take over (SQS redelivers after 180 s). */
const LEASE_SECONDS = 60;
const REMEMBER_SECONDS = 7 * 24 * 60 * 60;

export type Channel = "sns" | "webhook";

export type Take =
  | { readonly kind: "send"; readonly done: ReadonlySet<Channel> }
  | { readonly kind: "already-sent" }
  | { readonly kind: "in-progress" };

/**
 * Remembers which alerts went out on which channel, so a redelivered `Defect Detected` notifies nobody twice.
 * A delivery takes a short lease before sending; a crash mid-way leaves the channels already sent marked, and
 * the retry sends only the rest.
 */
export interface AlertLedger {
  take(alertId: string): Promise<Take>;
  markSent(alertId: string, channel: Channel): Promise<void>;
  finish(alertId: string): Promise<void>;
}

export function dynamoAlertLedger(
  client: DynamoDBDocumentClient,
  tableName: string,
  now: () => number = () => Math.floor(Date.now() / 1000),
): AlertLedger {
  return {
    async take(alertId) {
      const at = now();
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: alertKey(alertId),
            UpdateExpression: "SET leaseUntil = :lease, expiresAt = :expires",
            ConditionExpression:
              "attribute_not_exists(pk) OR (attribute_not_exists(finished) AND leaseUntil < :now)",
            ExpressionAttributeValues: {
              ":lease": at + LEASE_SECONDS,
              ":expires": at + REMEMBER_SECONDS,
              ":now": at,
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        const done = new Set<Channel>((["sns", "webhook"] as const).filter((c) => Attributes?.[c] === true));
        return { kind: "send", done };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: alertKey(alertId), ConsistentRead: true }),
      );
      return Item?.finished === true ? { kind: "already-sent" } : { kind: "in-progress" };
    },
    async markSent(alertId, channel) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: alertKey(alertId),
          UpdateExpression: "SET #channel = :true",
          ExpressionAttributeNames: { "#channel": channel },
          ExpressionAttributeValues: { ":true": true },
        }),
      );
    },
    async finish(alertId) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: alertKey(alertId),
          UpdateExpression: "SET finished = :true REMOVE leaseUntil",
          ExpressionAttributeValues: { ":true": true },
        }),
      );
    },
  };
}
