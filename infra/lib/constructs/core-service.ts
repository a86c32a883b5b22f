import { type CfnElement, Duration, Stack } from "aws-cdk-lib";
import type { ScalableTarget } from "aws-cdk-lib/aws-applicationautoscaling";
import { Metric, Stats } from "aws-cdk-lib/aws-cloudwatch";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { SubnetType } from "aws-cdk-lib/aws-ec2";
import {
  type ContainerImage,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  type ICluster,
  LogDrivers,
  OperatingSystemFamily,
} from "aws-cdk-lib/aws-ecs";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EVENT_STORE_PREFIX } from "../../../core-service/src/adapters/aws/event-store-layout.ts";
import { EVIDENCE_PREFIX } from "../../../core-service/src/domain/evidence.ts";
import {
  EMF_NAMESPACE,
  RUNNING_STREAMS_METRIC,
  TASK_DIMENSION,
} from "../../../core-service/src/worker/emf-metrics.ts";
import { type DetectorGroupConfig, VCPU_UNITS } from "../config.ts";
import { BacklogScaling } from "./backlog-scaling.ts";

export const WORKER_PORT = 3000;
/** Long enough for a worker to finish flushing reports and release its messages after SIGTERM. */
export const STOP_TIMEOUT = Duration.seconds(120);
/**
 * Streams per task the streams scaling aims for, as a share of the cap. Scaling out takes minutes (three
 * one-minute datapoints over the target, then a task to start), and live jobs keep arriving meanwhile: the
 * quarter of slots still free takes them, so a new task is running before the others fill and turn jobs away.
 */
export const STREAMS_TARGET_SHARE = 0.75;

export interface CoreServiceProps {
  readonly cluster: ICluster;
  readonly image: ContainerImage;
  readonly group: DetectorGroupConfig;
  readonly queue: IQueue;
  /** The queue's redrive count, so the worker fails a job (Job Failed) on its last delivery, not after it. */
  readonly maxReceiveCount: number;
  readonly bus: IEventBus;
  readonly ingestBucket: IBucket;
  /** Where `DELETE /v1/jobs/{id}` leaves a stop request (item `STOP#<jobId>`) for the task running the job. */
  readonly stopRequests: ITableV2;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly backlogPerTask: number;
  readonly logRetention: RetentionDays;
}

/**
 * One detector group of the core: a Fargate service running the worker with its subset of detectors, reading
 * its own queue, publishing to the bus, scaled on CPU, on backlog per task and on live streams per task.
 */
export class CoreService extends Construct {
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;
  readonly logGroup: LogGroup;
  /** The resources the task role's wildcard-suffixed statements point at (for the nag acknowledgements). */
  readonly ingestBucketResource: CfnElement;
  readonly clusterResource: CfnElement;
  /** The `ServiceName` dimension of the tasks' RunningStreams metric: unique per stack and group. */
  readonly metricsServiceName: string;
  /** The Average over the service's tasks of their RunningStreams: what the streams scaling tracks. */
  readonly runningStreamsMetric: Metric;

  constructor(scope: Construct, id: string, props: CoreServiceProps) {
    super(scope, id);
    this.ingestBucketResource = props.ingestBucket.node.defaultChild as CfnElement;
    this.clusterResource = props.cluster.node.defaultChild as CfnElement;
    // Known at synth time: the ECS service's own name would make the task definition depend on the service.
    this.metricsServiceName = `${Stack.of(this).stackName}-${props.group.name}`;
    this.runningStreamsMetric = new Metric({
      namespace: EMF_NAMESPACE,
      metricName: RUNNING_STREAMS_METRIC,
      dimensionsMap: { [TASK_DIMENSION]: this.metricsServiceName },
      statistic: Stats.AVERAGE,
      period: Duration.minutes(1),
    });
    this.logGroup = new LogGroup(this, "Logs", { retention: props.logRetention });
    this.taskDefinition = this.createTaskDefinition(props);
    this.grantTaskRole(props);
    this.service = new FargateService(this, "Service", {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.group.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
    });
    this.addAutoscaling(props);
  }

  private createTaskDefinition(props: CoreServiceProps): FargateTaskDefinition {
    const taskDefinition = new FargateTaskDefinition(this, "Task", {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    taskDefinition.addContainer("worker", {
      image: props.image,
      command: ["node", "dist/avmon.mjs", "worker"],
      environment: {
        AVMON_QUEUE_URL: props.queue.queueUrl,
        AVMON_MAX_RECEIVE_COUNT: String(props.maxReceiveCount),
        AVMON_EVENT_BUS_NAME: props.bus.eventBusName,
        AVMON_JOB_TABLE_NAME: props.stopRequests.tableName,
        AVMON_INGEST_BUCKET: props.ingestBucket.bucketName,
        AVMON_DETECTORS: props.group.detectors.join(","),
        AVMON_DETECTOR_GROUP: props.group.name,
        // File jobs: one per vCPU keeps each decode fast. Live streams have slots of their own.
        AVMON_CONCURRENCY: String(Math.max(1, Math.floor(props.cpu / VCPU_UNITS))),
        AVMON_LIVE_PROFILE: props.group.liveProfile,
        AVMON_MAX_LIVE_STREAMS: String(props.group.streamsPerTask),
        AVMON_SERVICE_NAME: this.metricsServiceName,
        AWS_REGION: Stack.of(this).region,
        PORT: String(WORKER_PORT),
      },
      logging: LogDrivers.awsLogs({ streamPrefix: props.group.name, logGroup: this.logGroup }),
      healthCheck: {
        command: [
          "CMD-SHELL",
          `node -e "fetch('http://127.0.0.1:${WORKER_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: STOP_TIMEOUT,
      readonlyRootFilesystem: false,
    });
    return taskDefinition;
  }

  private grantTaskRole(props: CoreServiceProps): void {
    const role = this.taskDefinition.taskRole;
    props.queue.grantConsumeMessages(role);
    props.bus.grantPutEventsTo(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadStopRequests",
        actions: ["dynamodb:GetItem"],
        resources: [props.stopRequests.tableArn],
      }),
    );
    // Claim checks (reports too large for their event) and events EventBridge refused, kept for replay.
    props.ingestBucket.grantPut(role, `${EVENT_STORE_PREFIX}*`);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadIngestedMedia",
        actions: ["s3:GetObject"],
        resources: [props.ingestBucket.arnForObjects("*")],
      }),
    );
    // Evidence images, and nothing else: the worker writes below evidence/ only (domain/evidence.ts).
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "WriteEvidence",
        actions: ["s3:PutObject"],
        resources: [props.ingestBucket.arnForObjects(`${EVIDENCE_PREFIX}*`)],
      }),
    );
    // The ECS agent's task-protection endpoint acts with the task role's credentials.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "HoldScaleInProtectionWhileBusy",
        actions: ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
        resources: [
          Stack.of(this).formatArn({
            service: "ecs",
            resource: "task",
            resourceName: `${props.cluster.clusterName}/*`,
          }),
        ],
      }),
    );
  }

  private addAutoscaling(props: CoreServiceProps): void {
    const taskCount = this.service.autoScaleTaskCount({
      minCapacity: props.group.minTasks,
      maxCapacity: props.group.maxTasks,
    });
    taskCount.scaleOnCpuUtilization("Cpu", {
      targetUtilizationPercent: 70,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
    // Live streams hold a task for hours at a steady CPU: scale on how many each task follows, as the profile
    // allows, rather than wait for CPU to say the tasks are full. The worker writes RunningStreams (EMF).
    taskCount.scaleToTrackCustomMetric("Streams", {
      metric: this.runningStreamsMetric,
      targetValue: props.group.streamsPerTask * STREAMS_TARGET_SHARE,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
    new BacklogScaling(this, "BacklogScaling", {
      target: taskCount.node.findChild("Target") as ScalableTarget,
      cluster: props.cluster,
      service: this.service,
      queue: props.queue,
      backlogPerTask: props.backlogPerTask,
    });
  }
}
