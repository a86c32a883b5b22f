import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { ResolvedAvmonEvent } from "../../domain/events.ts";
import {
  encodeCursor,
  type JobListQuery,
  type JobPage,
  listKey,
  toListItem,
} from "../../domain/job-listing.ts";
import { type JobView, projectJob } from "../../domain/job-projection.ts";
import type { JobStore } from "../../ports/job-store.ts";
import { JOB_LIST_INDEX, jobKey } from "./job-table-layout.ts";

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

  /**
   * One Query on the listing index, newest first. It asks for one job more than the page, so `nextCursor` is
   * only given when older jobs exist; a page DynamoDB cut short at 1 MB continues from its last job.
   */
  async list(query: JobListQuery): Promise<JobPage> {
    const { indexName, partitionKey, sortKey, partition } = JOB_LIST_INDEX;
    const after = query.cursor;
    const { Items = [], LastEvaluatedKey } = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        IndexName: indexName,
        KeyConditionExpression:
          after === undefined ? "#partition = :partition" : "#partition = :partition AND #sort < :after",
        ExpressionAttributeNames: {
          "#partition": partitionKey,
          ...(after !== undefined && { "#sort": sortKey }),
        },
        ExpressionAttributeValues: {
          ":partition": partition,
          ...(after !== undefined && { ":after": after }),
        },
        ScanIndexForward: false,
        Limit: query.limit + 1,
      }),
    );
    const page = Items.slice(0, query.limit);
    const more = Items.length > query.limit || LastEvaluatedKey !== undefined;
    const last = page[page.length - 1];
    return {
      jobs: page.map((item) => toListItem(item.view as JobView)),
      ...(more && last && { nextCursor: encodeCursor(last[sortKey] as string) }),
    };
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
        Item: {
          ...jobKey(view.jobId),
          view,
          rev: (previousRev ?? 0) + 1,
          status: view.status,
          [JOB_LIST_INDEX.partitionKey]: JOB_LIST_INDEX.partition,
          [JOB_LIST_INDEX.sortKey]: listKey(view),
        },
        ConditionExpression: previousRev === undefined ? "attribute_not_exists(pk)" : "rev = :rev",
        ExpressionAttributeValues: previousRev === undefined ? undefined : { ":rev": previousRev },
      }),
    );
  }
}
