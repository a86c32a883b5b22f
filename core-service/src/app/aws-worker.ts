/**
 * The container on AWS: the worker on the SQS jobs queue, publishing to EventBridge. The SDK clients are made
 * here, once, because this is where adapters are chosen; nothing else in core-service constructs them.
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { EventBridgeEventBus } from "../adapters/aws/eventbridge-event-bus.ts";
import { SqsJobQueue } from "../adapters/aws/sqs-job-queue.ts";
import type { AvmonConfig } from "../config.ts";
import { ConfigError } from "../domain/errors.ts";
import type { Logger } from "../logging/logger.ts";
import { mediaAnalyzer } from "../worker/analyzer.ts";
import { Worker } from "../worker/worker.ts";

export function createAwsWorker(config: AvmonConfig, logger: Logger): Worker {
  const { queueUrl, eventBusName } = config;
  const missing = [!queueUrl && "AVMON_QUEUE_URL", !eventBusName && "AVMON_EVENT_BUS_NAME"].filter(Boolean);
  if (!queueUrl || !eventBusName)
    throw new ConfigError(`invalid environment: ${missing.join(", ")} must be set`);
  const region = config.awsRegion;
  const queue = new SqsJobQueue({
    client: new SQSClient(region ? { region } : {}),
    queueUrl,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    logger,
  });
  const bus = new EventBridgeEventBus({
    client: new EventBridgeClient(region ? { region } : {}),
    busName: eventBusName,
    logger,
  });
  return new Worker({
    queue,
    bus,
    // Sources on AWS are URLs and S3 objects handed over as URLs; a path would read the container's own disk.
    analyze: mediaAnalyzer({ allowLocalFiles: false }),
    detectors: config.detectors,
    concurrency: config.concurrency,
    maxReceiveCount: config.maxReceiveCount,
    retryBaseSeconds: config.retryBaseSeconds,
    logger,
  });
}
