import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "vitest";
import { SqsJobQueue } from "../../core-service/src/adapters/aws/sqs-job-queue.ts";
import { describeJobQueueContract } from "../contract/job-queue.contract.ts";
import { countMessages, createQueueWithDlq, peekBodies } from "../support/fauxqs-queues.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";

let server: FauxqsServer;

beforeAll(async () => {
  server = await startFauxqsServer();
});
afterAll(async () => {
  await server.stop();
});

describeJobQueueContract("SQS (fauxqs)", async (settings) => {
  const { client } = server;
  const { queueUrl, dlqUrl } = await createQueueWithDlq(server, settings);
  return {
    queue: new SqsJobQueue({ client, queueUrl, ...settings }),
    sendRaw: async (body) => {
      const sent = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      return sent.MessageId ?? "";
    },
    deadLetterBodies: () => peekBodies(server, dlqUrl),
    pendingCount: () => countMessages(server, queueUrl),
  };
});
