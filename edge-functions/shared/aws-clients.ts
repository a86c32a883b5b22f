import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** SDK clients a function creates once per container, outside the handler, as Lambda recommends. */
export const dynamoClient = () => new DynamoDBClient({});
export function documentClient(client: DynamoDBClient = dynamoClient()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
export const sqsClient = () => new SQSClient({});
export const eventBridgeClient = () => new EventBridgeClient({});
export const s3Client = () => new S3Client({});
