import { MemoryJobQueue } from "../../core-service/src/adapters/memory/memory-job-queue.ts";
import { describeJobQueueContract } from "../contract/job-queue.contract.ts";

describeJobQueueContract("in memory", async (settings) => {
  const queue = new MemoryJobQueue(settings);
  return {
    queue,
    sendRaw: async (body) => queue.sendRaw(body),
    deadLetterBodies: async () => queue.deadLetters().map((letter) => letter.body),
    pendingCount: async () => {
      const { visible, inFlight, delayed } = queue.counts();
      return visible + inFlight + delayed;
    },
  };
});
