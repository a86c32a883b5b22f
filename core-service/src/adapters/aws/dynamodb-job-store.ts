import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ResolvedAvmonEvent } from "../../domain/events.ts";
import { type JobView, projectJob } from "../../domain/job-projection.ts";
import type { JobStore } from "../../ports/job-store.ts";
import { jobKey } from "./job-table-layout.ts";

const MAX_CONFLICT_RETRIES = 8;

export interface DynamoJobStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * The job view in DynamoDB: read, fold the event with the pure projection, write back only if nobody else
 * wrote in between (a revision number), retrying on conflict. The projection is idempotent, so redelivered
 * events are harmless. The status projector writes through it; the worker only reads (its role has GetItem).
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
  async applyAndCompare(event: ResolvedAvmonEvent): Promise<{ before: JobView | undefined; after: JobView }> {
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

  async apply(event: ResolvedAvmonEvent): Promise<void> {
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
