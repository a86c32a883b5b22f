import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, type IDestination, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { FUNCTION_TIMEOUT_SECONDS } from "../../../edge-functions/shared/env.ts";
import { repoPath } from "../paths.ts";

export const EDGE_RUNTIME = Runtime.NODEJS_22_X;

export interface EdgeFunctionProps {
  /** Folder under `edge-functions/` holding `handler.ts`. */
  readonly name: "ingest-api" | "s3-ingest" | "notifier" | "status-projector";
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /** Where failed asynchronous invocations go (not used by SQS- or API-driven functions). */
  readonly onFailure?: IDestination;
}

/**
 * An avmon Lambda: Node 22 on arm64, bundled ESM with the local esbuild, its own log group with retention, and
 * a role that can only write that log group until the owner grants more.
 */
export class EdgeFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  /** The `service` dimension of the function's Powertools metrics. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: EdgeFunctionProps) {
    super(scope, id);
    this.serviceName = `avmon-${props.name}`;
    const logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, "Role", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, "Function", {
      entry: repoPath("edge-functions", props.name, "handler.ts"),
      handler: "handler",
      projectRoot: repoPath(),
      depsLockFilePath: repoPath("package-lock.json"),
      runtime: EDGE_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS[props.name]),
      role: this.role,
      logGroup,
      onFailure: props.onFailure,
      environment: {
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: "avmon",
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node22",
        minify: true,
        sourceMap: true,
        forceDockerBundling: false,
        // ESM bundles still meet CommonJS dependencies that call require().
        banner:
          "import { createRequire as __avmonRequire } from 'node:module'; const require = __avmonRequire(import.meta.url);",
      },
    });
  }
}
