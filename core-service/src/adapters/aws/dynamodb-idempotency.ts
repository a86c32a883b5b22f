import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyItemNotFoundError,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context } from "aws-lambda";
import { IDEMPOTENCY_TTL_SECONDS, type Idempotency, type IdempotentRun } from "../../ports/idempotency.ts";
import { idempotencyKeyPrefix, PARTITION_KEY, TTL_ATTRIBUTE } from "./job-table-layout.ts";

export interface DynamoIdempotencyOptions {
  /** A plain DynamoDB client (Powertools marshals its own items), pointed at the job table's Region. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Which use of the table these records belong to (`api`, `s3`, `alert-sns`, …). */
  readonly scope: string;
  readonly ttlSeconds?: number;
  /**
   * How long a claim whose work never finished (the function was killed) blocks its key before a retry may take
   * it over: the function's timeout, after which the claiming invocation cannot still be running.
   */
  readonly inProgressSeconds: number;
}

/** What the table must provide for these records; the CDK construct is asserted against it. */
export const POWERTOOLS_TABLE_ATTRIBUTES = { keyAttr: PARTITION_KEY, expiryAttr: TTL_ATTRIBUTE } as const;

/**
 * Idempotency records in the job table through Powertools: a conditional PutItem claims the key as
 * INPROGRESS (and, where DynamoDB returns the old item on a failed condition, reads the winner's record in the
 * same call), an UpdateItem completes it with the result, a DeleteItem releases it when the work fails.
 */
export function dynamoIdempotency(options: DynamoIdempotencyOptions): Idempotency {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
    ...POWERTOOLS_TABLE_ATTRIBUTES,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "key",
    payloadValidationJmesPath: "fingerprint",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.ttlSeconds ?? IDEMPOTENCY_TTL_SECONDS,
  });
  // Powertools dates an INPROGRESS claim from the Lambda context's remaining time. A fixed window of the
  // function's timeout is never shorter than that, and works outside a handler's call too.
  config.registerLambdaContext({
    getRemainingTimeInMillis: () => options.inProgressSeconds * 1000,
  } as Context);
  const once = makeIdempotent(
    async (_request: { key: string; fingerprint: string }, work: () => Promise<string>) => ({
      result: await work(),
    }),
    { persistenceStore, config, keyPrefix: idempotencyKeyPrefix(options.scope) },
  );
  return {
    async run(key, fingerprint, work): Promise<IdempotentRun> {
      try {
        const { result } = await once({ key, fingerprint }, work);
        return { kind: "done", result };
      } catch (error) {
        if (error instanceof IdempotencyValidationError) return { kind: "key-reused" };
        if (error instanceof IdempotencyAlreadyInProgressError) return { kind: "in-progress" };
        // Without the old item in the failed PutItem's answer Powertools reads it; gone by then means the
        // claim it lost to was released a moment ago (its work failed): the client's retry will run afresh.
        if (error instanceof IdempotencyItemNotFoundError) return { kind: "in-progress" };
        throw error;
      }
    },
  };
}
