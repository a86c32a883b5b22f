import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import { Cluster, ContainerImage, ContainerInsights } from "aws-cdk-lib/aws-ecs";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { CLAIMS_PREFIX } from "../../core-service/src/adapters/aws/event-store-layout.ts";
import { EVENT_SOURCE } from "../../core-service/src/domain/events.ts";
import { CORE_SERVICE_NAME } from "../../core-service/src/worker/emf-metrics.ts";
import { ENV } from "../../edge-functions/shared/env.ts";
import type { AvmonConfig } from "./config.ts";
import { Alerting } from "./constructs/alerting.ts";
import { CoreService } from "./constructs/core-service.ts";
import { EventMesh } from "./constructs/event-mesh.ts";
import { IngestBucket } from "./constructs/ingest-bucket.ts";
import { Ingestion } from "./constructs/ingestion.ts";
import { JobTable } from "./constructs/job-table.ts";
import { Monitoring } from "./constructs/monitoring.ts";
import { Network } from "./constructs/network.ts";
import { QueueWithDlq } from "./constructs/queue-with-dlq.ts";
import { SubscribedFunction } from "./constructs/subscribed-function.ts";
import { registrySchemas } from "./event-schemas.ts";
import { acknowledgeNagFindings } from "./nag-acknowledgements.ts";
import { repoPath } from "./paths.ts";

export interface AvmonStackProps extends StackProps {
  readonly config: AvmonConfig;
}

/** A job queue is invisible to other workers this long between the worker's heartbeats. */
const JOB_VISIBILITY = Duration.minutes(5);
/**
 * Deliveries of a job before its queue parks it in the DLQ. The worker fails a job for good (Job Failed) on
 * its last delivery, so it must know the same number: the stack hands this one to the task as well.
 */
const JOB_MAX_RECEIVE_COUNT = 5;

/** The whole service: ingestion at the edge, the autoscaled core in the middle, subscribers on the bus. */
export class AvmonStack extends Stack {
  constructor(scope: Construct, id: string, props: AvmonStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;

    const network = new Network(this, "Network", { vpcId: config.vpcId, logRetention });
    const ingestBucket = new IngestBucket(this, "Ingest", { prefix: config.ingestPrefix });
    const jobTable = new JobTable(this, "Jobs");
    const mesh = new EventMesh(this, "Events", {
      busName: config.busName,
      archiveRetention: Duration.days(config.eventArchiveDays),
      schemas: registrySchemas(),
    });

    const cluster = new Cluster(this, "Cluster", {
      vpc: network.vpc,
      containerInsightsV2: ContainerInsights.ENHANCED,
    });
    const image = ContainerImage.fromAsset(repoPath(), {
      file: "core-service/Dockerfile",
      platform: Platform.LINUX_ARM64,
    });
    const groups = config.detectorGroups.map((group) => {
      const queues = new QueueWithDlq(this, `JobQueue-${group.name}`, {
        visibilityTimeout: JOB_VISIBILITY,
        maxReceiveCount: JOB_MAX_RECEIVE_COUNT,
        purpose: `avmon jobs for detector group ${group.name}`,
      });
      const core = new CoreService(this, `Core-${group.name}`, {
        cluster,
        image,
        group,
        queue: queues.queue,
        maxReceiveCount: queues.maxReceiveCount,
        bus: mesh.bus,
        ingestBucket: ingestBucket.bucket,
        stopRequests: jobTable.table,
        cpu: config.taskCpu,
        memoryMiB: config.taskMemoryMiB,
        backlogPerTask: config.backlogPerTask,
        logRetention,
      });
      return { group, queues, core };
    });

    const ingestion = new Ingestion(this, "Ingestion", {
      targets: groups.map(({ group, queues }) => ({
        name: group.name,
        queue: queues.queue,
        detectors: group.detectors,
      })),
      bus: mesh.bus,
      table: jobTable.table,
      bucket: ingestBucket.bucket,
      prefix: config.ingestPrefix,
      auth: config.auth,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
      logRetention,
    });
    const alerting = new Alerting(this, "Alerting", {
      bus: mesh.bus,
      severities: config.alertSeverities,
      emails: config.alertEmails,
      webhookSecretName: config.webhookSecretName,
      table: jobTable.table,
      logRetention,
    });
    const statusProjection = new SubscribedFunction(this, "StatusProjection", {
      bus: mesh.bus,
      eventPattern: { source: [EVENT_SOURCE] },
      ruleDescription: "every avmon event to the job status table",
      functionName: "status-projector",
      environment: {
        [ENV.jobTableName]: jobTable.table.tableName,
        [ENV.ingestBucket]: ingestBucket.bucket.bucketName,
      },
      logRetention,
    });
    jobTable.table.grantReadWriteData(statusProjection.function.role);
    // A claim-checked Job Completed is projected with its full report, read back from the bucket.
    ingestBucket.bucket.grantRead(statusProjection.function.role, `${CLAIMS_PREFIX}*`);

    new Monitoring(this, "Monitoring", {
      cluster,
      groups: groups.map(({ group, queues, core }) => ({
        name: group.name,
        queue: queues.queue,
        service: core.service,
        runningStreams: core.runningStreamsMetric,
        streamsPerTask: group.streamsPerTask,
      })),
      deadLetterQueues: {
        ...Object.fromEntries(
          groups.map(({ group, queues }) => [`jobs ${group.name}`, queues.deadLetterQueue]),
        ),
        "s3-ingest": ingestion.s3Failures.queue,
        notifier: alerting.notifier.buffer.deadLetterQueue,
        "status-projector": statusProjection.buffer.deadLetterQueue,
      },
      functions: {
        "ingest-api": ingestion.apiFunction.fn,
        "s3-ingest": ingestion.s3Function.fn,
        notifier: alerting.notifier.function.fn,
        "status-projector": statusProjection.function.fn,
      },
      api: ingestion.api.api,
      alarms: [
        ...groups.map(({ queues }) => queues.dlqAlarm),
        ingestion.s3Failures.alarm,
        alerting.notifier.buffer.dlqAlarm,
        statusProjection.buffer.dlqAlarm,
      ],
      maxQueueAge: Duration.minutes(15),
      eventPublishers: [
        CORE_SERVICE_NAME,
        ingestion.apiFunction.serviceName,
        ingestion.s3Function.serviceName,
      ],
    });

    new CfnOutput(this, "ApiUrl", { value: ingestion.api.api.url, description: "Base URL of the job API" });
    new CfnOutput(this, "EventBusName", { value: mesh.bus.eventBusName, description: "Attach rules here" });
    new CfnOutput(this, "EventBusArn", { value: mesh.bus.eventBusArn });
    new CfnOutput(this, "SchemaRegistryName", { value: mesh.registryName });
    new CfnOutput(this, "IngestBucketName", { value: ingestBucket.bucket.bucketName });
    new CfnOutput(this, "IngestPrefix", { value: config.ingestPrefix });
    new CfnOutput(this, "AlertTopicArn", { value: alerting.topic.topicArn });

    acknowledgeNagFindings(this);
  }
}
