import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { JOB_LIST_INDEX } from "../../core-service/src/adapters/aws/job-table-layout.ts";

export interface DynaliteServer {
  /** A document client as the Lambdas make it (shared/aws-clients.ts), pointed at this server. */
  readonly client: DynamoDBDocumentClient;
  /** Creates the job table with the keys and the listing index infra/lib/constructs/job-table.ts declares. */
  createJobTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** A real DynamoDB wire-protocol server (dynalite, in memory) on loopback and a free port. */
export async function startDynalite(): Promise<DynaliteServer> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  const client = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const { indexName, partitionKey, sortKey, projected } = JOB_LIST_INDEX;
  return {
    client,
    async createJobTable(name) {
      await raw.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: partitionKey, AttributeType: "S" },
            { AttributeName: sortKey, AttributeType: "S" },
          ],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
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
        }),
      );
    },
    async stop() {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
