import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { Alias } from "aws-cdk-lib/aws-kms";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import type { Severity } from "../../../core-service/src/domain/defect.ts";
import { EVENT_SOURCE } from "../../../core-service/src/domain/events.ts";
import { ENV } from "../../../edge-functions/shared/env.ts";
import { SubscribedFunction } from "./subscribed-function.ts";

export interface AlertingProps {
  readonly bus: IEventBus;
  readonly severities: readonly Severity[];
  readonly emails: readonly string[];
  readonly webhookSecretName?: string;
  /** Where sent alerts are marked, so a redelivered event does not notify twice. */
  readonly table: ITableV2;
  readonly logRetention: RetentionDays;
}

/** The event pattern that decides which defects page people. */
export function defectAlertPattern(severities: readonly Severity[]) {
  return {
    source: [EVENT_SOURCE],
    detailType: ["Defect Detected"],
    detail: { defect: { severity: [...severities] } },
  };
}

/** `Defect Detected` at the chosen severities → notifier → an SNS topic (email, SMS) and an optional webhook. */
export class Alerting extends Construct {
  readonly topic: Topic;
  readonly notifier: SubscribedFunction;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    this.topic = new Topic(this, "Topic", {
      displayName: "avmon alerts",
      masterKey: Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
    const webhookSecret = props.webhookSecretName
      ? Secret.fromSecretNameV2(this, "WebhookUrl", props.webhookSecretName)
      : undefined;
    this.notifier = new SubscribedFunction(this, "Notifier", {
      bus: props.bus,
      eventPattern: defectAlertPattern(props.severities),
      ruleDescription: `avmon defects of severity ${props.severities.join("/")} to the notifier`,
      functionName: "notifier",
      environment: {
        [ENV.alertTopicArn]: this.topic.topicArn,
        [ENV.jobTableName]: props.table.tableName,
        ...(webhookSecret ? { [ENV.webhookSecretId]: props.webhookSecretName as string } : {}),
      },
      logRetention: props.logRetention,
    });
    const role = this.notifier.function.role;
    this.topic.grantPublish(role);
    props.table.grantReadWriteData(role);
    webhookSecret?.grantRead(role);
  }
}
