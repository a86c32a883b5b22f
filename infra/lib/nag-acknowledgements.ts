import { type CfnElement, type Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { CoreService } from "./constructs/core-service.ts";
import { EdgeFunction } from "./constructs/edge-function.ts";
import { IngestApi } from "./constructs/ingest-api.ts";
import { IngestBucket } from "./constructs/ingest-bucket.ts";
import { Ingestion } from "./constructs/ingestion.ts";
import { JobTable } from "./constructs/job-table.ts";

const NAG = "AwsSolutions::AwsSolutions";

/**
 * cdk-nag AwsSolutions findings accepted on purpose, each on the construct it concerns and with the reason it
 * is right for avmon. Anything not listed here fails synth.
 */
export function acknowledgeNagFindings(stack: Stack): void {
  const all = stack.node.findAll();
  const jobTable = all.find((construct): construct is JobTable => construct instanceof JobTable);
  const ingestBucket = all.find((c) => c instanceof IngestBucket);
  const bucketId = ingestBucket && logicalIdOf(stack, ingestBucket.bucket.node.defaultChild as CfnElement);
  for (const construct of all) {
    if (construct instanceof CoreService) acknowledgeCoreService(stack, construct);
    if (construct instanceof EdgeFunction) acknowledgeEdgeFunction(stack, construct, { jobTable, bucketId });
    if (construct instanceof IngestApi) acknowledgeIngestApi(construct);
    if (construct instanceof Ingestion) acknowledgeIngestion(stack, construct);
  }
  const notificationsHandler = stack.node.tryFindChild(
    "BucketNotificationsHandler050a0587b7544547bf325f094a3db834",
  );
  if (notificationsHandler) {
    acknowledge(notificationsHandler, {
      id: `${NAG}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
      reason:
        "CDK's own deploy-time function that writes the ingest bucket's notification configuration; the managed policy only lets it write its logs.",
    });
  }
}

function acknowledgeCoreService(stack: Stack, core: CoreService): void {
  const taskRolePolicy = core.taskDefinition.taskRole.node.tryFindChild("DefaultPolicy");
  if (taskRolePolicy) {
    const bucket = logicalIdOf(stack, core.ingestBucketResource);
    const cluster = logicalIdOf(stack, core.clusterResource);
    acknowledge(
      taskRolePolicy,
      {
        id: `${NAG}-IAM5[Resource::<${bucket}.Arn>/*]`,
        reason:
          "A job may name any object in the ingest bucket, so keys are unknown at deploy time; the statement grants s3:GetObject only, on that one bucket.",
      },
      {
        id: `${NAG}-IAM5[Resource::<${bucket}.Arn>/evidence/*]`,
        reason:
          "Evidence images are keyed by job and alert ids known only at run time; the statement grants s3:PutObject only, under the evidence/ prefix.",
      },
      {
        id: `${NAG}-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${cluster}>/*]`,
        reason:
          "Task ids exist only at run time; scale-in protection is limited to tasks of this cluster and to the two task-protection actions.",
      },
      {
        id: `${NAG}-IAM5[Resource::<${bucket}.Arn>/events/*]`,
        reason:
          "Claim checks and undeliverable events are keyed by job and event ids known only at run time; writes are limited to the bucket's events/ prefix.",
      },
      ABORT_UPLOADS,
    );
  }
  acknowledge(core.taskDefinition, {
    id: `${NAG}-ECS2`,
    reason:
      "The environment holds only resource names and tuning (queue URL, bus and table names, detector list, concurrency); no secret is passed.",
  });
  const executionPolicy = core.taskDefinition.executionRole?.node.tryFindChild("DefaultPolicy");
  if (executionPolicy) {
    acknowledge(executionPolicy, {
      id: `${NAG}-IAM5[Resource::*]`,
      reason:
        "ecr:GetAuthorizationToken, needed to pull the core image, supports no resource-level permissions; the pull actions themselves are scoped to the image repository.",
    });
  }
}

/** grantPut includes s3:Abort* (multipart uploads); the keys it may abort are those of the granted prefix. */
const ABORT_UPLOADS = {
  id: `${NAG}-IAM5[Action::s3:Abort*]`,
  reason: "Part of grantPut: abandons a multipart upload under the same prefix the role may write.",
};

function acknowledgeEdgeFunction(
  stack: Stack,
  edge: EdgeFunction,
  { jobTable, bucketId }: { jobTable: JobTable | undefined; bucketId: string | undefined },
): void {
  acknowledge(edge.fn, {
    id: `${NAG}-L1`,
    reason:
      "avmon's functions target Node.js 22 (LTS), the version the project is built and tested on; the runtime moves with the project's Node upgrade, not ahead of it.",
  });
  const policy = edge.role.node.tryFindChild("DefaultPolicy");
  if (!policy) return;
  if (jobTable) {
    const table = logicalIdOf(stack, jobTable.table.node.defaultChild as CfnElement);
    acknowledge(policy, {
      id: `${NAG}-IAM5[Resource::<${table}.Arn>/index/*]`,
      reason:
        "The job table's grants cover its indexes; its one index is the job listing (GET /v1/jobs), which holds nothing the table does not.",
    });
  }
  if (!bucketId) return;
  if (edge.serviceName === "avmon-ingest-api" || edge.serviceName === "avmon-s3-ingest") {
    acknowledge(
      policy,
      {
        id: `${NAG}-IAM5[Resource::<${bucketId}.Arn>/events/undeliverable/*]`,
        reason:
          "A Job Accepted EventBridge refuses is parked under its event id, known only at run time; writes are limited to events/undeliverable/.",
      },
      ABORT_UPLOADS,
    );
  }
  if (edge.serviceName === "avmon-status-projector") {
    acknowledge(
      policy,
      ...["s3:GetObject*", "s3:GetBucket*", "s3:List*"].map((action) => ({
        id: `${NAG}-IAM5[Action::${action}]`,
        reason: "grantRead's read actions, on the ingest bucket and its events/claims/ prefix only.",
      })),
      {
        id: `${NAG}-IAM5[Resource::<${bucketId}.Arn>/events/claims/*]`,
        reason:
          "Claim checks are keyed by job and event ids known only at run time; reads are limited to events/claims/.",
      },
    );
  }
}

function acknowledgeIngestApi(ingestApi: IngestApi): void {
  acknowledge(ingestApi.api, {
    id: `${NAG}-APIG3`,
    reason:
      "Every method requires IAM (SigV4) or Cognito JWT authorization and the stage is throttled; a WAF web ACL is an account-level choice that can be associated after deploy.",
  });
  const cloudWatchRole = ingestApi.api.node.tryFindChild("CloudWatchRole");
  if (cloudWatchRole) {
    acknowledge(cloudWatchRole, {
      id: `${NAG}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]`,
      reason:
        "API Gateway's account-level logging role; AWS's managed policy is the documented, minimal policy for it.",
    });
  }
  if (ingestApi.authType === "iam") {
    acknowledge(ingestApi.api, {
      id: `${NAG}-COG4`,
      reason:
        "IAM (SigV4) authorization is the default: callers are AWS principals (services, CI, operators). A Cognito JWT authorizer is available with auth.type=jwt.",
    });
  }
}

function acknowledgeIngestion(stack: Stack, ingestion: Ingestion): void {
  acknowledge(ingestion.s3Failures.queue, {
    id: `${NAG}-SQS3`,
    reason:
      "This queue is itself a dead-letter destination (failed asynchronous s3-ingest invocations), alarmed on depth; it is not a work queue.",
  });
  const apiPolicy = ingestion.apiFunction.role.node.tryFindChild("DefaultPolicy");
  if (apiPolicy) {
    const bucket = logicalIdOf(stack, ingestion.evidenceBucketResource);
    acknowledge(apiPolicy, {
      id: `${NAG}-IAM5[Resource::<${bucket}.Arn>/evidence/*]`,
      reason:
        "Evidence images are keyed by job and alert ids known only at run time; the statement grants s3:GetObject only, under the evidence/ prefix.",
    });
  }
}

function acknowledge(scope: IConstruct, ...rules: { id: string; reason: string }[]): void {
  Validations.of(scope).acknowledge(...rules);
}

function logicalIdOf(stack: Stack, resource: CfnElement): string {
  return stack.resolve(stack.getLogicalId(resource)) as string;
}
