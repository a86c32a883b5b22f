import { Duration } from "aws-cdk-lib";
import { type EventPattern, type IEventBus, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { FUNCTION_TIMEOUT_SECONDS } from "../../../edge-functions/shared/env.ts";
import { EdgeFunction, type EdgeFunctionProps } from "./edge-function.ts";
import { QueueWithDlq } from "./queue-with-dlq.ts";

export interface SubscribedFunctionProps {
  readonly bus: IEventBus;
  readonly eventPattern: EventPattern;
  readonly ruleDescription: string;
  readonly functionName: EdgeFunctionProps["name"];
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
}

/**
 * A bus subscriber done the durable way: rule → SQS buffer → Lambda with partial batch failures. Events that
 * keep failing (or that EventBridge cannot deliver to the buffer) end in a DLQ with an alarm, not in the void.
 */
export class SubscribedFunction extends Construct {
  readonly rule: Rule;
  readonly buffer: QueueWithDlq;
  readonly function: EdgeFunction;

  constructor(scope: Construct, id: string, props: SubscribedFunctionProps) {
    super(scope, id);
    this.buffer = new QueueWithDlq(this, "Buffer", {
      // AWS's advice for Lambda event sources: six times the function timeout.
      visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS[props.functionName] * 6),
      maxReceiveCount: 5,
      purpose: `${props.functionName} events`,
    });
    this.rule = new Rule(this, "Rule", {
      eventBus: props.bus,
      description: props.ruleDescription,
      eventPattern: props.eventPattern,
      targets: [
        new SqsQueue(this.buffer.queue, {
          deadLetterQueue: this.buffer.deadLetterQueue,
          retryAttempts: 10,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    this.function = new EdgeFunction(this, "Handler", {
      name: props.functionName,
      environment: props.environment,
      logRetention: props.logRetention,
    });
    this.function.fn.addEventSource(
      new SqsEventSource(this.buffer.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
  }
}
