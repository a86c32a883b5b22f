import type { Logger } from "../logging/logger.ts";
import type { JobQueue, ReceivedJob } from "../ports/job-queue.ts";
import { SETTLE_MS, settledWithin } from "./bounded.ts";

/** How long a worker whose live slots are full waits before it receives again, unless a slot frees first. */
export const FULL_PAUSE_MS = 1000;

/**
 * Hands a live job this worker has no slot for back to the queue at once, for another task. It goes back as a
 * fresh copy of the same message, and the delivery is acked, as a hand-off does: a release would count a
 * delivery against the redrive policy, and while every task is full (a scale-out on its way) five bounces
 * would send the job to the DLQ; it would also make a continuation look like a crash's redelivery. The copy
 * is sent before the ack, so a failure can duplicate the job but never lose it; when the send fails the
 * delivery is released instead. Bounded by SETTLE_MS, so a hanging queue cannot hold the receive loop.
 */
export async function returnToQueue(queue: JobQueue, job: ReceivedJob, logger: Logger): Promise<void> {
  const jobId = job.message.jobId;
  const handBack = async () => {
    try {
      await queue.send(job.message);
    } catch (error) {
      logger.warn("could not send a full worker's live job back; releasing it", { jobId, error });
      await queue.release(job);
      return;
    }
    await queue.ack(job);
    logger.info("live slots full; live job returned to the queue for another task", { jobId });
  };
  const settled = await settledWithin(
    handBack().catch((error) => {
      logger.error("could not return a live job; it comes back when its visibility runs out", {
        jobId,
        error,
      });
    }),
    SETTLE_MS,
  );
  if (!settled) logger.error("returning a live job did not settle in time", { jobId });
}
