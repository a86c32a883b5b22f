import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface ParkingQueueProps {
  /** Text for the alarm, saying which flow is failing. */
  readonly purpose: string;
}

/**
 * Where failed messages are parked: encrypted, refusing plain HTTP, kept 14 days, with an alarm that fires as
 * soon as anything lands: a parked message is a job or an alert nobody will see otherwise.
 */
export class ParkingQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ParkingQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.alarm = new Alarm(this, "DepthAlarm", {
      alarmDescription: `${props.purpose}: messages are waiting in the dead-letter queue`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

export interface QueueWithDlqProps extends ParkingQueueProps {
  readonly visibilityTimeout: Duration;
  /** Deliveries before a message is parked in the DLQ. */
  readonly maxReceiveCount: number;
}

/** A work queue, encrypted and TLS-only, redriving to a {@link ParkingQueue} after `maxReceiveCount` tries. */
export class QueueWithDlq extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dlqAlarm: Alarm;
  /** Deliveries before the DLQ takes a message: consumers that fail a job on its last delivery need it. */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount;
    const parking = new ParkingQueue(this, "Dlq", { purpose: props.purpose });
    this.deadLetterQueue = parking.queue;
    this.dlqAlarm = parking.alarm;
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
