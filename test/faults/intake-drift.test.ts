import { afterAll, beforeAll } from "vitest";
import { intakeContract } from "../contract/intake.contract.ts";
import { lambdaDoor, localDoor } from "../contract/intake-doors.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";

// Issue 10, case 9: the local API and the ingest Lambda implemented intake twice and drifted (DELETE of a
// finished job, the order of Job Accepted and the enqueue, the idempotency fingerprint). One contract, run
// against both front doors, holds them together.
let sqs: FauxqsServer;
let dynamo: DynaliteServer;
beforeAll(async () => {
  [sqs, dynamo] = await Promise.all([startFauxqsServer(), startDynalite()]);
});
afterAll(async () => {
  await Promise.all([sqs?.stop(), dynamo?.stop()]);
});

intakeContract("the local API (express over HTTP)", localDoor);
intakeContract("the ingest Lambda (API Gateway events, fauxqs, dynalite)", () =>
  lambdaDoor({ sqs: sqs.client, dynamo }),
);
