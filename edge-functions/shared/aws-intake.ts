import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoIdempotency } from "../../core-service/src/adapters/aws/dynamodb-idempotency.ts";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import { dynamoStopRequests } from "../../core-service/src/adapters/aws/dynamodb-stop-requests.ts";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { Intake, type SourceCheck } from "../../core-service/src/intake/intake.ts";
import type { EventBus } from "../../core-service/src/ports/event-bus.ts";
import type { GroupQueue } from "./env.ts";

export interface AwsIntakeOptions {
  readonly groups: readonly GroupQueue[];
  readonly sqs: SQSClient;
  readonly bus: EventBus;
  readonly dynamo: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Whose idempotency keys these are (`api`, `s3`): a client's key can never match an upload's. */
  readonly scope: string;
  /** The function's timeout: how long a claim of a killed invocation blocks its key. */
  readonly inProgressSeconds: number;
  readonly checkSource: SourceCheck;
  readonly newJobId?: () => string;
}

/** The intake use case on AWS: a queue per detector group, EventBridge, and the job table for the rest. */
export function awsIntake(options: AwsIntakeOptions): Intake {
  const { documents, tableName } = options;
  return new Intake({
    targets: options.groups.map((group) => ({
      group: group.name,
      detectors: group.detectors,
      // Sending never uses the visibility timeout; the adapter requires one for receiving.
      queue: new SqsJobQueue({
        client: options.sqs,
        queueUrl: group.queueUrl,
        visibilityTimeoutSeconds: 300,
      }),
    })),
    bus: options.bus,
    jobs: new DynamoJobStore({ client: documents, tableName }),
    stops: dynamoStopRequests(documents, tableName),
    idempotency: dynamoIdempotency({
      client: options.dynamo,
      tableName,
      scope: options.scope,
      inProgressSeconds: options.inProgressSeconds,
    }),
    checkSource: options.checkSource,
    ...(options.newJobId && { newJobId: options.newJobId }),
  });
}
