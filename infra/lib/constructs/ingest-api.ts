import {
  AccessLogFormat,
  AuthorizationType,
  type Authorizer,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import { UserPool } from "aws-cdk-lib/aws-cognito";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { AvmonConfig } from "../config.ts";

export interface IngestApiProps {
  readonly handler: IFunction;
  readonly auth: AvmonConfig["auth"];
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetention: RetentionDays;
}

/**
 * `/v1/jobs` (submit, list), `/v1/jobs/{jobId}` (status, stop) and `/v1/jobs/{jobId}/evidence/{alertId}` on
 * API Gateway: every method behind IAM (SigV4) or a Cognito JWT authorizer, stage throttling,
 * JSON access logs. The Lambda validates bodies with the same schema as the local API.
 */
export class IngestApi extends Construct {
  readonly api: RestApi;
  readonly authType: AvmonConfig["auth"]["type"];

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    this.authType = props.auth.type;
    const accessLogs = new LogGroup(this, "AccessLogs", { retention: props.logRetention });
    this.api = new RestApi(this, "Api", {
      restApiName: "avmon",
      description: "avmon job API",
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // API Gateway needs an account-level role to write execution logs; this stack provides it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: "v1",
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
      },
      defaultMethodOptions: this.methodOptions(props.auth),
    });
    // The gateway checks required parameters (and bodies against a model, where one is set); job bodies are
    // validated by the Lambda with the same zod schema as the local API, so errors name the field alike.
    const requestValidator = this.api.addRequestValidator("Validator", {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const withJobId = { requestValidator, requestParameters: { "method.request.path.jobId": true } };
    const integration = new LambdaIntegration(props.handler);
    // The stage is named v1, so the public paths are exactly the contract's /v1/jobs and /v1/jobs/{jobId}.
    const jobs = this.api.root.addResource("jobs");
    jobs.addMethod("POST", integration, { requestValidator });
    jobs.addMethod("GET", integration, {
      requestValidator,
      requestParameters: {
        "method.request.querystring.limit": false,
        "method.request.querystring.cursor": false,
      },
    });
    const job = jobs.addResource("{jobId}");
    job.addMethod("GET", integration, withJobId);
    job.addMethod("DELETE", integration, withJobId);
    // Answers with a redirect to a presigned S3 URL of the alert's image (edge-functions/ingest-api/get-evidence.ts).
    job
      .addResource("evidence")
      .addResource("{alertId}")
      .addMethod("GET", integration, {
        requestValidator,
        requestParameters: { "method.request.path.jobId": true, "method.request.path.alertId": true },
      });
  }

  private methodOptions(auth: AvmonConfig["auth"]): MethodOptions {
    if (auth.type === "iam") return { authorizationType: AuthorizationType.IAM };
    const authorizer: Authorizer = new CognitoUserPoolsAuthorizer(this, "JwtAuthorizer", {
      cognitoUserPools: [UserPool.fromUserPoolId(this, "UserPool", auth.userPoolId)],
    });
    return { authorizationType: AuthorizationType.COGNITO, authorizer };
  }
}
