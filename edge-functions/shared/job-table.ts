import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";
import { type JobView, projectJob } from "../../core-service/src/domain/job-projection.ts";
import type { JobStore } from "../../core-service/src/ports/job-store.ts";

/** Item keys in the one job table; see infra/lib/constructs/job-table.ts. */
export const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}` });
export const stopKey = (jobId: string) => ({ pk: `STOP#${jobId}` });
export const idempotencyKey = (key: string) => ({ pk: `IDEMPOTENCY#${key}` });
export const alertKey = (alertId: string) => ({ pk: `ALERT#${alertId}` });

const MAX_CONFLICT_RETRIES = 8;

export interface DynamoJobStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * The job view in DynamoDB: read, fold the event with the pure projection, write back only if nobody else
 * wrote in between (a revision number), retrying on conflict. The projection is idempotent, so redelivered
 * events are harmless.
 */
export class DynamoJobStore implements JobStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: DynamoJobStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async get(jobId: string): Promise<JobView | undefined> {
    return (await this.#read(jobId))?.view;
  }

  /** Applies the event and returns the view before and after, so callers can tell what changed. */
  async applyAndCompare(event: AvmonEvent): Promise<{ before: JobView | undefined; after: JobView }> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.#read(event.detail.jobId);
      const after = projectJob(current?.view, event);
      try {
        await this.#write(after, current?.rev);
        return { before: current?.view, after };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_CONFLICT_RETRIES)
          throw error;
      }
    }
  }

  async apply(event: AvmonEvent): Promise<void> {
    await this.applyAndCompare(event);
  }

  async #read(jobId: string): Promise<{ view: JobView; rev: number } | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: jobKey(jobId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { view: Item.view as JobView, rev: Item.rev as number };
  }

  async #write(view: JobView, previousRev: number | undefined): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: { ...jobKey(view.jobId), view, rev: (previousRev ?? 0) + 1, status: view.status },
        ConditionExpression: previousRev === undefined ? "attribute_not_exists(pk)" : "rev = :rev",
        ExpressionAttributeValues: previousRev === undefined ? undefined : { ":rev": previousRev },
      }),
    );
  }
}

export interface StopRequests {
  /** Records that a job should stop; the worker running it polls for this item. */
  request(jobId: string, at: Date): Promise<void>;
}

export function dynamoStopRequests(client: DynamoDBDocumentClient, tableName: string): StopRequests {
  return {
    async request(jobId, at) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...stopKey(jobId), jobId, requestedAt: at.toISOString() },
        }),
      );
    },
  };
}
