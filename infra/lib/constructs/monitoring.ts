import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  ComparisonOperator,
  type Dashboard,
  type Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { FargateService, ICluster } from "aws-cdk-lib/aws-ecs";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { createFleetDashboard, undeliverableEvents } from "./fleet-dashboard.ts";

const PERIOD = Duration.minutes(1);

export interface MonitoredGroup {
  readonly name: string;
  readonly queue: IQueue;
  readonly service: FargateService;
  /** The Average over the service's tasks of RunningStreams, the metric its streams scaling tracks. */
  readonly runningStreams: Metric;
  /** The live streams one task follows at most (AVMON_MAX_LIVE_STREAMS). */
  readonly streamsPerTask: number;
}

export interface MonitoringProps {
  readonly cluster: ICluster;
  readonly groups: readonly MonitoredGroup[];
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly api: RestApi;
  /** Alarms made elsewhere (DLQ depth) that should page through the operations topic too. */
  readonly alarms: readonly Alarm[];
  /** How long a job may wait on a queue before someone should look at the autoscaling. */
  readonly maxQueueAge: Duration;
  /**
   * The `service` of each process that publishes to EventBridge (the core, the ingest functions): the events
   * each one gives up on (`UndeliverableEvents`) are summed in one alarm.
   */
  readonly eventPublishers: readonly string[];
}

/** The operations view: one dashboard of the fleet, and alarms that notify an encrypted operations topic. */
export class Monitoring extends Construct {
  readonly operationsTopic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, hence a key of our own.
    const key = new Key(this, "TopicKey", { enableKeyRotation: true, description: "avmon operations topic" });
    key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
    this.operationsTopic = new Topic(this, "OperationsTopic", {
      displayName: "avmon operations",
      masterKey: key,
      enforceSSL: true,
    });
    this.alarms.push(...props.alarms, ...this.createAlarms(props));
    const action = new SnsAction(this.operationsTopic);
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
    this.dashboard = createFleetDashboard(this, "Dashboard", { ...props, alarms: this.alarms });
  }

  private createAlarms(props: MonitoringProps): Alarm[] {
    const stuckQueues = props.groups.map(
      (group) =>
        new Alarm(this, `OldestJob-${group.name}`, {
          alarmDescription: `avmon group ${group.name}: a job has waited longer than ${props.maxQueueAge.toHumanString()}`,
          metric: group.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: "Maximum" }),
          threshold: props.maxQueueAge.toSeconds(),
          evaluationPeriods: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
    const functionErrors = Object.entries(props.functions).map(
      ([name, fn]) =>
        new Alarm(this, `Errors-${name}`, {
          alarmDescription: `avmon ${name}: invocations are failing`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
    const apiErrors = new Alarm(this, "Api5xx", {
      alarmDescription: "avmon API: server errors",
      metric: props.api.metricServerError({ period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const undeliverable = new Alarm(this, "UndeliverableEvents", {
      alarmDescription:
        "avmon: EventBridge refused events for good; they are parked in the ingest bucket under events/undeliverable/ (list and re-send them with avmon replay-events)",
      metric: undeliverableEvents(props.eventPublishers, PERIOD),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return [...stuckQueues, ...functionErrors, apiErrors, undeliverable];
  }
}
