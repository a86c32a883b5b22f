import { afterAll, beforeAll } from "vitest";
import { dynamoIdempotency } from "../../core-service/src/adapters/aws/dynamodb-idempotency.ts";
import { MemoryIdempotency } from "../../core-service/src/adapters/memory/memory-idempotency.ts";
import { idempotencyContract } from "../contract/idempotency.contract.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";

let dynamo: DynaliteServer;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo?.stop());

idempotencyContract("memory", async () => new MemoryIdempotency());
idempotencyContract("Powertools on DynamoDB (dynalite)", async () =>
  dynamoIdempotency({
    client: dynamo.client,
    tableName: await dynamo.createJobTable(),
    scope: "api",
    inProgressSeconds: 20,
  }),
);
