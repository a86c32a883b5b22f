import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  StorageClass,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

export interface IngestBucketProps {
  /** Uploads under this prefix become jobs. */
  readonly prefix: string;
}

/**
 * Where users drop media for analysis. Private, encrypted, TLS only; objects age out because the bucket is an
 * inbox, not an archive. Its access logs go to a sibling bucket (that one cannot log to itself).
 */
export class IngestBucket extends Construct {
  readonly bucket: Bucket;
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: IngestBucketProps) {
    super(scope, id);
    this.prefix = props.prefix;
    const accessLogs = new Bucket(this, "AccessLogs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, "Bucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "ingest/",
      lifecycleRules: [
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          id: "age-out-media",
          transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
          expiration: Duration.days(90),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
