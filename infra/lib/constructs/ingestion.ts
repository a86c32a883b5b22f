import type { CfnElement } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { EventType, type IBucket } from "aws-cdk-lib/aws-s3";
import { LambdaDestination } from "aws-cdk-lib/aws-s3-notifications";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { UNDELIVERABLE_PREFIX } from "../../../core-service/src/adapters/aws/event-store-layout.ts";
import type { DetectorName } from "../../../core-service/src/domain/defect.ts";
import { EVIDENCE_PREFIX } from "../../../core-service/src/domain/evidence.ts";
import { ENV, type GroupQueue } from "../../../edge-functions/shared/env.ts";
import type { AvmonConfig } from "../config.ts";
import { EdgeFunction } from "./edge-function.ts";
import { IngestApi } from "./ingest-api.ts";
import { ParkingQueue } from "./queue-with-dlq.ts";

export interface IngestionTarget {
  readonly name: string;
  readonly queue: IQueue;
  readonly detectors: readonly DetectorName[];
}

export interface IngestionProps {
  /** One per detector group: every accepted job is fanned out to each group that runs a wanted detector. */
  readonly targets: readonly IngestionTarget[];
  readonly bus: IEventBus;
  readonly table: ITableV2;
  readonly bucket: IBucket;
  readonly prefix: string;
  readonly auth: AvmonConfig["auth"];
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetention: RetentionDays;
}

/** The two ways a job enters avmon: `POST /v1/jobs`, and an upload under the ingest bucket's prefix. */
export class Ingestion extends Construct {
  readonly apiFunction: EdgeFunction;
  readonly s3Function: EdgeFunction;
  readonly api: IngestApi;
  readonly s3Failures: ParkingQueue;
  /** The ingest bucket's CloudFormation resource, for acknowledging the evidence grant by its logical id. */
  readonly evidenceBucketResource: CfnElement;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    this.evidenceBucketResource = props.bucket.node.defaultChild as CfnElement;
    const groupQueues: GroupQueue[] = props.targets.map((target) => ({
      name: target.name,
      queueUrl: target.queue.queueUrl,
      detectors: [...target.detectors],
    }));
    const environment = {
      [ENV.groupQueues]: JSON.stringify(groupQueues),
      [ENV.eventBusName]: props.bus.eventBusName,
      [ENV.jobTableName]: props.table.tableName,
      [ENV.ingestBucket]: props.bucket.bucketName,
    };
    this.apiFunction = new EdgeFunction(this, "ApiHandler", {
      name: "ingest-api",
      environment,
      logRetention: props.logRetention,
    });
    this.api = new IngestApi(this, "Api", {
      handler: this.apiFunction.fn,
      auth: props.auth,
      rateLimit: props.rateLimit,
      burstLimit: props.burstLimit,
      logRetention: props.logRetention,
    });

    // S3 invokes asynchronously; events Lambda gives up on are kept here instead of being dropped.
    this.s3Failures = new ParkingQueue(this, "S3IngestFailures", { purpose: "s3-ingest failed invocations" });
    this.s3Function = new EdgeFunction(this, "S3Handler", {
      name: "s3-ingest",
      environment: { ...environment, [ENV.ingestPrefix]: props.prefix },
      logRetention: props.logRetention,
      onFailure: new SqsDestination(this.s3Failures.queue),
    });
    props.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.s3Function.fn), {
      prefix: props.prefix,
    });

    // The API signs evidence URLs with its own role, so that role reads evidence images, nothing else there.
    // Hand-written because grantRead would add s3:List* on the whole bucket (every uploaded file's name).
    this.apiFunction.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [props.bucket.arnForObjects(`${EVIDENCE_PREFIX}*`)],
      }),
    );
    for (const fn of [this.apiFunction, this.s3Function]) {
      for (const target of props.targets) target.queue.grantSendMessages(fn.role);
      props.bus.grantPutEventsTo(fn.role);
      // A Job Accepted EventBridge refuses is parked in the bucket for replay (edge-functions/shared/event-bus.ts).
      props.bucket.grantPut(fn.role, `${UNDELIVERABLE_PREFIX}*`);
      props.table.grantReadWriteData(fn.role);
    }
  }
}
