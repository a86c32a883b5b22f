import { Duration } from "aws-cdk-lib";
import { CfnScalingPolicy, type ScalableTarget } from "aws-cdk-lib/aws-applicationautoscaling";
import type { FargateService, ICluster } from "aws-cdk-lib/aws-ecs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface BacklogScalingProps {
  readonly target: ScalableTarget;
  readonly cluster: ICluster;
  readonly service: FargateService;
  readonly queue: IQueue;
  readonly backlogPerTask: number;
}

/**
 * The expression target tracking holds near `backlogPerTask`: messages waiting on the queue per running task.
 * A service scaled to zero would divide by zero, so the divisor is floored at one task.
 */
export const BACKLOG_PER_TASK_EXPRESSION = "visible / IF(running > 0, running, 1)";

/**
 * Target tracking on SQS backlog per task, as AWS recommends for queue workers. The CDK L2 only takes a single
 * metric, so the metric-math form is written on the L1 policy.
 */
export class BacklogScaling extends Construct {
  readonly policy: CfnScalingPolicy;

  constructor(scope: Construct, id: string, props: BacklogScalingProps) {
    super(scope, id);
    this.policy = new CfnScalingPolicy(this, "Policy", {
      policyName: `${props.service.node.id}-backlog-per-task`,
      policyType: "TargetTrackingScaling",
      scalingTargetId: props.target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.backlogPerTask,
        scaleOutCooldown: Duration.seconds(60).toSeconds(),
        // Scale-in is slow on purpose: busy tasks hold scale-in protection, idle ones can go.
        scaleInCooldown: Duration.minutes(5).toSeconds(),
        customizedMetricSpecification: {
          metrics: [
            {
              id: "visible",
              returnData: false,
              metricStat: {
                stat: "Sum",
                metric: {
                  namespace: "AWS/SQS",
                  metricName: "ApproximateNumberOfMessagesVisible",
                  dimensions: [{ name: "QueueName", value: props.queue.queueName }],
                },
              },
            },
            {
              id: "running",
              returnData: false,
              metricStat: {
                stat: "Average",
                metric: {
                  namespace: "ECS/ContainerInsights",
                  metricName: "RunningTaskCount",
                  dimensions: [
                    { name: "ClusterName", value: props.cluster.clusterName },
                    { name: "ServiceName", value: props.service.serviceName },
                  ],
                },
              },
            },
            { id: "backlogPerTask", expression: BACKLOG_PER_TASK_EXPRESSION, returnData: true },
          ],
        },
      },
    });
  }
}
