import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
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
import { DIMENSION, METRIC, METRICS_NAMESPACE } from "../../../edge-functions/shared/metric-names.ts";

const PERIOD = Duration.minutes(1);

export interface MonitoredGroup {
  readonly name: string;
  readonly queue: IQueue;
  readonly service: FargateService;
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

/** The operations view: one dashboard, and alarms that notify an encrypted operations topic. */
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
    this.dashboard = this.createDashboard(props);
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

  private createDashboard(props: MonitoringProps): Dashboard {
    const dashboard = new Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(3) });
    const backlog = props.groups.map((group) =>
      group.queue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        label: `${group.name} waiting`,
      }),
    );
    const tasks = props.groups.map((group) => runningTasks(props.cluster, group, PERIOD));
    dashboard.addWidgets(
      new GraphWidget({ title: "Queue backlog", left: backlog, width: 12 }),
      new GraphWidget({ title: "Running tasks", left: tasks, width: 12 }),
      new GraphWidget({
        title: "Jobs",
        left: [
          search(METRIC.jobsAccepted, [], "accepted"),
          search(METRIC.jobsFinished, [DIMENSION.status], ""),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: "Defects by type",
        left: [search(METRIC.defectsDetected, [DIMENSION.defectType], "")],
        width: 12,
      }),
      new GraphWidget({
        title: "Undeliverable events (parked for replay)",
        left: [undeliverableEvents(props.eventPublishers, PERIOD)],
        width: 12,
      }),
      new GraphWidget({
        title: "Dead-letter queues",
        left: Object.entries(props.deadLetterQueues).map(([name, dlq]) =>
          dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: name }),
        ),
        width: 24,
      }),
    );
    return dashboard;
  }
}

/** `UndeliverableEvents` of every publisher, summed: one series whichever process gave up. */
function undeliverableEvents(services: readonly string[], period: Duration): IMetric {
  const usingMetrics = Object.fromEntries(
    services.map((service, i) => [
      `publisher${i}`,
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.undeliverableEvents,
        dimensionsMap: { service },
        statistic: "Sum",
        period,
      }),
    ]),
  );
  return new MathExpression({
    expression: `SUM([${Object.keys(usingMetrics).join(", ")}])`,
    usingMetrics,
    label: "undeliverable events",
    period,
  });
}

function runningTasks(cluster: ICluster, group: MonitoredGroup, period: Duration): IMetric {
  return new Metric({
    namespace: "ECS/ContainerInsights",
    metricName: "RunningTaskCount",
    dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: group.service.serviceName },
    statistic: "Average",
    period,
    label: group.name,
  });
}

/** Every series of one custom metric, whatever the values of its extra dimensions. */
function search(metricName: string, extraDimensions: readonly string[], label: string): IMetric {
  const schema = [METRICS_NAMESPACE, "service", ...extraDimensions].join(",");
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}"', 'Sum', 300)`,
    label,
    period: Duration.minutes(5),
  });
}
