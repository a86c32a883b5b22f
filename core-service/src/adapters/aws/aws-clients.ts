import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface AwsClients {
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
}

/**
 * The container's SDK clients, made once at start-up. Without a region the SDK's own chain decides (on ECS,
 * AWS_REGION from the task definition); credentials always come from the SDK's chain (the task role).
 */
export function createAwsClients(options: { readonly region?: string | undefined } = {}): AwsClients {
  const config = options.region ? { region: options.region } : {};
  return {
    sqs: new SQSClient(config),
    eventBridge: new EventBridgeClient(config),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
    s3: new S3Client(config),
  };
}
