import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { FauxqsServer } from "./fauxqs-server.ts";

export interface QueuePair {
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

let queueNumber = 0;

/** A jobs queue redriving to its own dead-letter queue after `maxReceiveCount` deliveries, as the stack builds it. */
export async function createQueueWithDlq(
  server: FauxqsServer,
  settings: { readonly visibilityTimeoutSeconds: number; readonly maxReceiveCount: number },
): Promise<QueuePair> {
  queueNumber++;
  const { client } = server;
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `jobs-${queueNumber}-dlq` }));
  const dlqArn = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const redrivePolicy = {
    deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
    maxReceiveCount: settings.maxReceiveCount,
  };
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `jobs-${queueNumber}`,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify(redrivePolicy),
      },
    }),
  );
  if (!queue.QueueUrl || !dlq.QueueUrl) throw new Error("fauxqs did not return queue URLs");
  return { queueUrl: queue.QueueUrl, dlqUrl: dlq.QueueUrl };
}

/** Bodies in a queue, peeked with visibility 0 so a later look still sees every one. */
export async function peekBodies(server: FauxqsServer, queueUrl: string): Promise<string[]> {
  const { Messages = [] } = await server.client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  return Messages.map((message) => message.Body ?? "");
}

/** Messages on a queue by state. */
export async function messageCounts(
  server: FauxqsServer,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await server.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Messages still on a queue: visible, in flight or delayed. */
export async function countMessages(server: FauxqsServer, queueUrl: string): Promise<number> {
  const { visible, inFlight, delayed } = await messageCounts(server, queueUrl);
  return visible + inFlight + delayed;
}
