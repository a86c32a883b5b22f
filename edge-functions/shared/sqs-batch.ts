import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export interface BatchLogger {
  error(message: string, extra: { messageId: string; error: unknown }): void;
}

/**
 * Runs `processRecord` on every record and reports the ones that threw as partial batch failures, so SQS
 * retries (and finally dead-letters) only those. Records run one after another: batches are small and the
 * order of events for one job is easier to reason about.
 */
export async function processSqsBatch(
  event: SQSEvent,
  processRecord: (record: SQSRecord) => Promise<void>,
  logger: BatchLogger,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      await processRecord(record);
    } catch (error) {
      logger.error("record failed; SQS will deliver it again", { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
