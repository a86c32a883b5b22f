import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { StopRequestReader, StopRequests } from "../../ports/stop-requests.ts";
import { stopKey } from "./job-table-layout.ts";

/** `DELETE /v1/jobs/{id}` on AWS: leaves a `STOP#<jobId>` item for whichever task runs the job. */
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

/** The worker's side: is there a `STOP#<jobId>` item? A projection-only read, so GetItem is all it needs. */
export function dynamoStopRequestReader(
  client: DynamoDBDocumentClient,
  tableName: string,
): StopRequestReader {
  return {
    async isRequested(jobId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: stopKey(jobId), ProjectionExpression: "pk" }),
      );
      return Item !== undefined;
    },
  };
}
