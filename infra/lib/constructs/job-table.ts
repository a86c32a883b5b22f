import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import {
  JOB_LIST_INDEX,
  PARTITION_KEY,
  TTL_ATTRIBUTE,
} from "../../../core-service/src/adapters/aws/job-table-layout.ts";

/**
 * The single table behind the edge functions: job status (`JOB#id`, written by the status projector, read by
 * `GET /v1/jobs/{id}`), stop requests (`STOP#id`) and Powertools idempotency records (`IDEMPOTENCY#scope#…`:
 * API keys, S3 notifications, sent alerts per channel), which expire through the TTL attribute. Job items alone
 * carry the listing index's keys, so `GET /v1/jobs` reads jobs newest first from the index and nothing else.
 */
export class JobTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new TableV2(this, "Table", {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          indexName: JOB_LIST_INDEX.indexName,
          partitionKey: { name: JOB_LIST_INDEX.partitionKey, type: AttributeType.STRING },
          sortKey: { name: JOB_LIST_INDEX.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [...JOB_LIST_INDEX.projected],
        },
      ],
    });
  }
}
