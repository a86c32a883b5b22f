import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { JOB_LIST_INDEX, PARTITION_KEY } from "../../core-service/src/adapters/aws/job-table-layout.ts";

export interface DynaliteServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** A plain client (Powertools' persistence layer takes this one). */
  readonly client: DynamoDBClient;
  /** The document client the stores use, over the same connection settings as the Lambdas'. */
  readonly documents: DynamoDBDocumentClient;
  /** Every command sent through `documents` or `client` so far, with the key it addressed (for call counts). */
  readonly sent: Array<{ readonly command: string; readonly key: unknown }>;
  /**
   * Creates an empty job table (partition key `pk` and the job listing index, as infra/lib/constructs/job-table.ts)
   * and returns its name.
   */
  createJobTable(): Promise<string>;
  stop(): Promise<void>;
}

let tables = 0;

/**
 * A real DynamoDB wire-protocol server (dynalite, in memory) on loopback and a free port, so conditional
 * writes and concurrent requests behave as DynamoDB's do, not as a fake's.
 */
export async function startDynalite(): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const sent: Array<{ command: string; key: unknown }> = [];
  // The document client shares the plain client's middleware stack, so one recorder sees both.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName ?? "unknown", key: (args.input as { Key?: unknown }).Key });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return {
    endpoint,
    client,
    documents,
    sent,
    async createJobTable() {
      const name = `avmon-jobs-${++tables}`;
      const { indexName, partitionKey, sortKey, projected } = JOB_LIST_INDEX;
      await client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: "HASH" }],
          AttributeDefinitions: [
            { AttributeName: PARTITION_KEY, AttributeType: "S" },
            { AttributeName: partitionKey, AttributeType: "S" },
            { AttributeName: sortKey, AttributeType: "S" },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: indexName,
              KeySchema: [
                { AttributeName: partitionKey, KeyType: "HASH" },
                { AttributeName: sortKey, KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...projected] },
            },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      return name;
    },
    async stop() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
