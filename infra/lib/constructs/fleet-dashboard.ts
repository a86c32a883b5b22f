import { Duration, Stack } from "aws-cdk-lib";
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { ICluster } from "aws-cdk-lib/aws-ecs";
import type { Construct } from "constructs";
import { EMF_DIMENSION, EMF_METRICS, EMF_NAMESPACE } from "../../../core-service/src/worker/emf-metrics.ts";
import { DIMENSION, METRIC, METRICS_NAMESPACE } from "../../../edge-functions/shared/metric-names.ts";
import { STREAMS_TARGET_SHARE } from "./core-service.ts";
import type { MonitoredGroup, MonitoringProps } from "./monitoring.ts";

const PERIOD = Duration.minutes(1);
const SUM_PERIOD = Duration.minutes(5);

/** What the dashboard shows, as the monitoring construct has it; `alarms` are all of them, made there too. */
export type FleetDashboardProps = Omit<MonitoringProps, "maxQueueAge">;

const [LAG, FRAMES_PER_SECOND, OPEN_DEFECTS] = EMF_METRICS;

/**
 * The stack's CloudWatch dashboard: the whole fleet on one page, top to bottom in the order an operator asks
 * "is anything wrong?": alarms, jobs and defects, backlog and capacity (tasks, CPU, memory), live streams, and
 * where failures show (failed jobs, dead letters, function and API errors).
 */
export function createFleetDashboard(scope: Construct, id: string, props: FleetDashboardProps): Dashboard {
  // Named after the stack, so a second copy (avmon:stackName) gets its own and an operator finds it by name.
  const dashboard = new Dashboard(scope, id, {
    dashboardName: `${Stack.of(scope).stackName}-fleet`,
    defaultInterval: Duration.hours(3),
  });
  const perGroup = (metric: (group: MonitoredGroup) => IMetric) => props.groups.map(metric);
  dashboard.addWidgets(
    new TextWidget({
      markdown:
        "# avmon fleet\nJobs and defects come from the edge functions, per-stream figures from the workers' EMF logs. Evidence images: `s3://<IngestBucketName>/evidence/{jobId}/{alertId}.jpg|svg`.",
      width: 24,
      height: 2,
    }),
    new AlarmStatusWidget({ title: "Alarms", alarms: [...props.alarms], width: 24, height: 3 }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Jobs",
      left: [
        search(METRICS_NAMESPACE, METRIC.jobsAccepted, ["service"], "accepted"),
        search(METRICS_NAMESPACE, METRIC.jobsFinished, ["service", DIMENSION.status], ""),
      ],
      width: 12,
    }),
    new GraphWidget({
      title: "Defects by type",
      left: [search(METRICS_NAMESPACE, METRIC.defectsDetected, ["service", DIMENSION.defectType], "")],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Queue backlog",
      left: perGroup((group) =>
        group.queue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          label: `${group.name} waiting`,
        }),
      ),
      right: perGroup((group) =>
        group.queue.metricApproximateAgeOfOldestMessage({
          period: PERIOD,
          label: `${group.name} oldest (s)`,
        }),
      ),
      width: 8,
    }),
    new GraphWidget({
      title: "Running tasks",
      left: perGroup((group) => runningTasks(props.cluster, group)),
      width: 8,
    }),
    new GraphWidget({
      title: `Live streams per task (average; scaling aims for ${STREAMS_TARGET_SHARE * 100} % of the cap)`,
      left: perGroup((group) =>
        group.runningStreams.with({ label: `${group.name} (cap ${group.streamsPerTask})` }),
      ),
      leftYAxis: { min: 0 },
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Worker CPU (%)",
      left: perGroup((group) => group.service.metricCpuUtilization({ period: PERIOD, label: group.name })),
      leftYAxis: { min: 0, max: 100 },
      width: 12,
    }),
    new GraphWidget({
      title: "Worker memory (%)",
      left: perGroup((group) => group.service.metricMemoryUtilization({ period: PERIOD, label: group.name })),
      leftYAxis: { min: 0, max: 100 },
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Live streams: analysed frames per second",
      left: [search(EMF_NAMESPACE, FRAMES_PER_SECOND.Name, [EMF_DIMENSION], "", "Average", PERIOD)],
      width: 8,
    }),
    new GraphWidget({
      title: "Live streams: lag behind the stream (s)",
      left: [search(EMF_NAMESPACE, LAG.Name, [EMF_DIMENSION], "", "Maximum", PERIOD)],
      width: 8,
    }),
    new GraphWidget({
      title: "Live streams: open defects",
      left: [search(EMF_NAMESPACE, OPEN_DEFECTS.Name, [EMF_DIMENSION], "", "Maximum", PERIOD)],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Failures: jobs failed, undeliverable events (parked for replay), dead letters",
      left: [failedJobs(), undeliverableEvents(props.eventPublishers, PERIOD)],
      right: Object.entries(props.deadLetterQueues).map(([name, dlq]) =>
        dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: `DLQ ${name}` }),
      ),
      width: 12,
    }),
    new GraphWidget({
      title: "Failures: function and API errors",
      left: [
        ...Object.entries(props.functions).map(([name, fn]) =>
          fn.metricErrors({ period: SUM_PERIOD, statistic: "Sum", label: name }),
        ),
        props.api.metricServerError({ period: SUM_PERIOD, statistic: "Sum", label: "API 5xx" }),
        props.api.metricClientError({ period: SUM_PERIOD, statistic: "Sum", label: "API 4xx" }),
      ],
      width: 12,
    }),
  );
  return dashboard;
}

/** `UndeliverableEvents` of every publisher, summed: one series whichever process gave up. */
export function undeliverableEvents(services: readonly string[], period: Duration): IMetric {
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

function runningTasks(cluster: ICluster, group: MonitoredGroup): IMetric {
  return new Metric({
    namespace: "ECS/ContainerInsights",
    metricName: "RunningTaskCount",
    dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: group.service.serviceName },
    statistic: "Average",
    period: PERIOD,
    label: group.name,
  });
}

function failedJobs(): IMetric {
  const schema = [METRICS_NAMESPACE, "service", DIMENSION.status].join(",");
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${METRIC.jobsFinished}" ${DIMENSION.status}="failed"', 'Sum', 300)`,
    label: "jobs failed",
    period: SUM_PERIOD,
  });
}

/** Every series of one custom metric, whatever the values of its dimensions (one line per value). */
function search(
  namespace: string,
  metricName: string,
  dimensions: readonly string[],
  label: string,
  statistic = "Sum",
  period = SUM_PERIOD,
): IMetric {
  const schema = [namespace, ...dimensions].join(",");
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`,
    label,
    period,
  });
}
