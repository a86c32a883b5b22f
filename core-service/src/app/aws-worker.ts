/**
 * The container on AWS: the worker on the SQS jobs queue, publishing to EventBridge, with what a task needs
 * around it: the job table (alerts already published, stop requests), scale-in protection while busy, and the
 * source gate (presigned S3 URLs, SSRF re-check). Adapters are chosen here, once; the SDK clients come from
 * adapters/aws.
 */
import { createAwsClients } from "../adapters/aws/aws-clients.ts";
import { DynamoJobStore } from "../adapters/aws/dynamodb-job-store.ts";
import { dynamoStopRequestReader } from "../adapters/aws/dynamodb-stop-requests.ts";
import { ecsAgentTaskProtection } from "../adapters/aws/ecs-task-protection.ts";
import { EventBridgeEventBus } from "../adapters/aws/eventbridge-event-bus.ts";
import { S3ClaimStore } from "../adapters/aws/s3-claim-store.ts";
import { S3Evidence } from "../adapters/aws/s3-evidence.ts";
import { S3ParkingLot } from "../adapters/aws/s3-parking-lot.ts";
import { s3UrlPresigner } from "../adapters/aws/s3-presigner.ts";
import { SqsJobQueue } from "../adapters/aws/sqs-job-queue.ts";
import type { AvmonConfig } from "../config.ts";
import { ConfigError } from "../domain/errors.ts";
import type { Logger } from "../logging/logger.ts";
import type { EventBus } from "../ports/event-bus.ts";
import { GuardedProxy } from "../security/guarded-proxy.ts";
import { mediaAnalyzer } from "../worker/analyzer.ts";
import { SETTLE_MS, settledWithin } from "../worker/bounded.ts";
import { ClaimCheckEventBus } from "../worker/claim-check-bus.ts";
import { CORE_SERVICE_NAME, emfUndeliverableCounter, startEmfReporter } from "../worker/emf-metrics.ts";
import { GroupStampedEventBus } from "../worker/group-stamped-bus.ts";
import { liveMediaAnalyzer } from "../worker/live-analyzer.ts";
import { LiveStreams } from "../worker/live-streams.ts";
import { ScaleInProtection } from "../worker/scale-in-protection.ts";
import { sourceGate } from "../worker/source-gate.ts";
import { StopRequestPoller } from "../worker/stop-request-poller.ts";
import { type ShutdownResult, Worker } from "../worker/worker.ts";

/** The worker plus the loops that run beside it; started and stopped together. */
export interface AwsWorker {
  readonly worker: Worker;
  start(): void;
  stop(deadlineMs: number): Promise<ShutdownResult>;
}

export function createAwsWorker(config: AvmonConfig, logger: Logger): AwsWorker {
  const { queueUrl, eventBusName, jobTableName, ingestBucket } = config;
  const missing = [
    !queueUrl && "AVMON_QUEUE_URL",
    !eventBusName && "AVMON_EVENT_BUS_NAME",
    !ingestBucket && "AVMON_INGEST_BUCKET",
  ].filter(Boolean);
  if (!queueUrl || !eventBusName || !ingestBucket)
    throw new ConfigError(`invalid environment: ${missing.join(", ")} must be set`);
  const clients = createAwsClients({ region: config.awsRegion });
  const queue = new SqsJobQueue({
    client: clients.sqs,
    queueUrl,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    logger,
  });
  // Refused events are counted as EMF lines on stdout (alarmed) and parked in the ingest bucket for replay;
  // a report too large for its Job Completed travels as a claim check to the same bucket.
  const eventBridge = new EventBridgeEventBus({
    client: clients.eventBridge,
    busName: eventBusName,
    parking: new S3ParkingLot({ client: clients.s3, bucket: ingestBucket }),
    onUndeliverable: emfUndeliverableCounter((line) => process.stdout.write(line)),
    logger,
  });
  let bus: EventBus = new ClaimCheckEventBus(
    eventBridge,
    new S3ClaimStore({ client: clients.s3, bucket: ingestBucket }),
  );
  if (config.detectorGroup) bus = new GroupStampedEventBus(bus, config.detectorGroup);
  // Sources on AWS are URLs and S3 objects handed over as URLs; a path would read the container's own disk.
  const prepareSource = sourceGate({ presignS3: s3UrlPresigner(clients.s3) });
  // Everything ffmpeg fetches after the first URL (variants, segments, keys, redirects) passes the guard too.
  const proxy = new GuardedProxy({ logger: logger.child({ component: "guarded-proxy" }) });
  const httpProxy = () => proxy.url();
  const liveStreams = new LiveStreams();
  const worker = new Worker({
    queue,
    bus,
    analyze: mediaAnalyzer({
      allowLocalFiles: false,
      prepareSource,
      httpProxy,
      limits: config.analysisLimits,
    }),
    analyzeLive: liveMediaAnalyzer({ prepareSource, httpProxy, limits: config.analysisLimits }),
    liveStreams,
    live: {
      leaseSeconds: config.visibilityTimeoutSeconds,
      maxDurationSeconds: config.liveMaxDurationSeconds,
      profile: config.liveProfile,
    },
    jobStore: jobTableName
      ? new DynamoJobStore({ client: clients.dynamo, tableName: jobTableName })
      : undefined,
    // Under the ingest bucket's evidence/ prefix, where the API's presigned URLs point.
    evidence: new S3Evidence({ client: clients.s3, bucket: ingestBucket }),
    detectors: config.detectors,
    concurrency: config.concurrency,
    maxLiveStreams: config.maxLiveStreams,
    maxReceiveCount: config.maxReceiveCount,
    retryBaseSeconds: config.retryBaseSeconds,
    logger,
  });
  const poller = jobTableName
    ? new StopRequestPoller({
        requests: dynamoStopRequestReader(clients.dynamo, jobTableName),
        jobs: worker,
        logger,
      })
    : undefined;
  const protection = config.ecsAgentUri
    ? new ScaleInProtection({
        protection: ecsAgentTaskProtection(config.ecsAgentUri),
        runningJobs: () => worker.runningJobIds().length,
        logger,
      })
    : undefined;
  let stopEmf: (() => void) | undefined;
  return {
    worker,
    start() {
      worker.start();
      poller?.start();
      protection?.start();
      // Per-stream and per-task live metrics as CloudWatch Embedded Metric Format lines on stdout (the task's
      // log stream); the task's RunningStreams is what the service's streams-per-task scaling tracks.
      stopEmf = startEmfReporter({
        streams: liveStreams,
        task: {
          serviceName: config.serviceName ?? config.detectorGroup ?? CORE_SERVICE_NAME,
          runningStreams: () => worker.runningLiveJobs(),
        },
        write: (line) => process.stdout.write(line),
      });
    },
    async stop(deadlineMs) {
      // The poller keeps running during the drain: a stop request still ends a job that would hold it up.
      const result = await worker.stop(deadlineMs);
      stopEmf?.();
      // Each of these may wait on the network (DynamoDB, the ECS agent, open proxy tunnels): bounded too.
      await settledWithin(Promise.all([poller?.stop(), protection?.stop(), proxy.close()]), SETTLE_MS);
      return result;
    },
  };
}
