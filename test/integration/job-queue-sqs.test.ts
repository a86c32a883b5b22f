import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "vitest";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { describeJobQueueContract, type QueueSettings } from "../contract/job-queue.contract.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";

let server: FauxqsServer;
let queueNumber = 0;

beforeAll(async () => {
  server = await startFauxqsServer();
});
afterAll(async () => {
  await server.stop();
});

async function createQueueWithDlq(settings: QueueSettings) {
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

async function countMessages(queueUrl: string): Promise<number> {
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
  return Object.values(Attributes).reduce((sum, count) => sum + Number(count), 0);
}

describeJobQueueContract("SQS (fauxqs)", async (settings) => {
  const { client } = server;
  const { queueUrl, dlqUrl } = await createQueueWithDlq(settings);
  return {
    queue: new SqsJobQueue({ client, queueUrl, ...settings }),
    sendRaw: async (body) => {
      const sent = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      return sent.MessageId ?? "";
    },
    deadLetterBodies: async () => {
      // Visibility 0 peeks without hiding, so a later look still sees every dead letter.
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
      );
      return Messages.map((message) => message.Body ?? "");
    },
    pendingCount: () => countMessages(queueUrl),
  };
});
