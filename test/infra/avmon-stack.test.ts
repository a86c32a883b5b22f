import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { FILE_DEFECT_TYPES } from "../../core-service/src/domain/defect.ts";
import { BACKLOG_PER_TASK_EXPRESSION } from "../../infra/lib/constructs/backlog-scaling.ts";
import { type CfnJson, resourcesOf, type Synthesized, synthAvmon } from "./synth.ts";

let synth: Synthesized;

beforeAll(() => {
  // The default deployment, functions bundled for real: proves the handlers build with esbuild.
  synth = synthAvmon({});
});

describe("the default avmon stack", () => {
  it("passes cdk-nag's AWS Solutions checks (synth would throw otherwise)", () => {
    expect(synth.template.toJSON().Resources).toBeDefined();
  });

  it("redrives every work queue to a dead-letter queue", () => {
    const queues = resourcesOf(synth.template, "AWS::SQS::Queue");
    const workQueues = queues.filter(([, q]) => q.Properties.RedrivePolicy);
    // jobs (one group), notifier buffer, status-projector buffer
    expect(workQueues).toHaveLength(3);
    const logicalIds = new Set(queues.map(([id]) => id));
    for (const [, queue] of workQueues) {
      const target = queue.Properties.RedrivePolicy.deadLetterTargetArn["Fn::GetAtt"][0];
      expect(logicalIds.has(target)).toBe(true);
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBeGreaterThan(0);
    }
  });

  it("encrypts every queue and refuses plain-HTTP access to it", () => {
    const queues = resourcesOf(synth.template, "AWS::SQS::Queue");
    for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = resourcesOf(synth.template, "AWS::SQS::QueuePolicy");
    const tlsOnly = policies.filter(([, p]) =>
      p.Properties.PolicyDocument.Statement.some(
        (s: CfnJson) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false",
      ),
    );
    const covered = tlsOnly.flatMap(([, p]) => p.Properties.Queues.map((q: CfnJson) => q.Ref));
    expect(new Set(covered)).toEqual(new Set(queues.map(([id]) => id)));
  });

  it("alarms on the depth of every dead-letter queue", () => {
    const dlqIds = resourcesOf(synth.template, "AWS::SQS::Queue")
      .filter(([, q]) => !q.Properties.RedrivePolicy)
      .map(([id]) => id);
    const alarmedQueues = resourcesOf(synth.template, "AWS::CloudWatch::Alarm")
      .filter(([, a]) => a.Properties.MetricName === "ApproximateNumberOfMessagesVisible")
      .map(([, a]) => a.Properties.Dimensions[0].Value["Fn::GetAtt"][0]);
    expect(new Set(alarmedQueues)).toEqual(new Set(dlqIds));
  });

  it("keeps the ingest bucket private, encrypted, TLS-only and ageing out", () => {
    synth.template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({ ServerSideEncryptionConfiguration: Match.anyValue() }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Id: "age-out-media", ExpirationInDays: 90 })]),
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: "ingest/" }),
    });
    synth.template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("scales the core on queue backlog per running task, and on CPU", () => {
    synth.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 4,
        CustomizedMetricSpecification: {
          Metrics: [
            Match.objectLike({
              Id: "visible",
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({
                  Namespace: "AWS/SQS",
                  MetricName: "ApproximateNumberOfMessagesVisible",
                }),
              }),
            }),
            Match.objectLike({
              Id: "running",
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({
                  Namespace: "ECS/ContainerInsights",
                  MetricName: "RunningTaskCount",
                }),
              }),
            }),
            { Id: "backlogPerTask", Expression: BACKLOG_PER_TASK_EXPRESSION, ReturnData: true },
          ],
        },
      }),
    });
    synth.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      }),
    });
  });

  it("grants the task role only queue, bus, media, evidence, event-store writes, stop-request and task-protection access", () => {
    const taskRoleId = Object.keys(
      synth.template.findResources("AWS::IAM::Role", {
        Properties: {
          AssumeRolePolicyDocument: Match.objectLike({
            Statement: [Match.objectLike({ Principal: { Service: "ecs-tasks.amazonaws.com" } })],
          }),
        },
      }),
    ).find((id) => id.includes("TaskRole"));
    expect(taskRoleId).toBeDefined();
    const [, policy] = resourcesOf(synth.template, "AWS::IAM::Policy").find(([, p]) =>
      p.Properties.Roles.some((r: CfnJson) => r.Ref === taskRoleId),
    ) ?? [undefined, undefined];
    const statements: CfnJson[] = policy?.Properties.PolicyDocument.Statement ?? [];
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual(
      [
        "dynamodb:GetItem",
        "ecs:GetTaskProtection",
        "ecs:UpdateTaskProtection",
        "events:PutEvents",
        "s3:GetObject",
        // PutObject under evidence/ (evidence images), and grantPut on the ingest bucket's events/ (claim checks,
        // parked events): see event-store.test.ts
        "s3:Abort*",
        "s3:PutObject",
        "s3:PutObject",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
      ].sort(),
    );
    for (const statement of statements) {
      expect([statement.Resource].flat()).not.toContain("*");
      expect(statement.Effect).toBe("Allow");
    }
  });

  it("runs the worker with a health check, a 120 s stop timeout and retained logs", () => {
    synth.template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" },
      ContainerDefinitions: [
        Match.objectLike({
          Command: ["node", "dist/avmon.mjs", "worker"],
          StopTimeout: 120,
          HealthCheck: Match.objectLike({ Command: ["CMD-SHELL", Match.stringLikeRegexp("/healthz")] }),
          LogConfiguration: Match.objectLike({ LogDriver: "awslogs" }),
        }),
      ],
    });
    const [[, taskDefinition]] = resourcesOf(synth.template, "AWS::ECS::TaskDefinition") as [
      [string, CfnJson],
    ];
    const environment = Object.fromEntries(
      taskDefinition.Properties.ContainerDefinitions[0].Environment.map((e: CfnJson) => [e.Name, e.Value]),
    );
    expect(environment).toMatchObject({
      AVMON_DETECTORS: FILE_DEFECT_TYPES.join(","),
      AVMON_QUEUE_URL: { Ref: expect.stringMatching(/^JobQueueall/) },
      AVMON_EVENT_BUS_NAME: { Ref: expect.stringMatching(/^EventsBus/) },
      AVMON_CONCURRENCY: "2",
      PORT: "3000",
    });
    synth.template.hasResourceProperties("AWS::ECS::Service", {
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
      LaunchType: "FARGATE",
    });
    synth.template.hasResourceProperties("AWS::ECS::Cluster", {
      ClusterSettings: [{ Name: "containerInsights", Value: "enhanced" }],
    });
    for (const [, group] of resourcesOf(synth.template, "AWS::Logs::LogGroup")) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  it("puts IAM (SigV4) authorization on every API method, with throttling and access logs", () => {
    const methods = resourcesOf(synth.template, "AWS::ApiGateway::Method");
    expect(methods.map(([, m]) => m.Properties.HttpMethod).sort()).toEqual([
      "DELETE",
      "GET",
      "GET",
      "GET",
      "POST",
    ]);
    for (const [, method] of methods) expect(method.Properties.AuthorizationType).toBe("AWS_IAM");
    synth.template.hasResourceProperties("AWS::ApiGateway::Stage", {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      ]),
    });
  });

  it("sends major and critical Defect Detected events to the notifier, and every avmon event to the projector", () => {
    synth.template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["avmon"],
        "detail-type": ["Defect Detected"],
        detail: { defect: { severity: ["major", "critical"] } },
      },
    });
    synth.template.hasResourceProperties("AWS::Events::Rule", { EventPattern: { source: ["avmon"] } });
    for (const [, rule] of resourcesOf(synth.template, "AWS::Events::Rule")) {
      expect(rule.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^EventsBus/) });
      expect(rule.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: expect.anything() });
    }
  });

  it("runs every avmon function on Node 22, arm64, with partial batch failures for SQS sources", () => {
    const functions = resourcesOf(synth.template, "AWS::Lambda::Function").filter(
      ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    );
    expect(
      functions.map(([, f]) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort(),
    ).toEqual(["avmon-ingest-api", "avmon-notifier", "avmon-s3-ingest", "avmon-status-projector"]);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs22.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.LoggingConfig?.LogGroup).toBeDefined();
    }
    const mappings = resourcesOf(synth.template, "AWS::Lambda::EventSourceMapping");
    expect(mappings).toHaveLength(2);
    for (const [, mapping] of mappings) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    }
    synth.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it("archives avmon events for replay and registers a JSON Schema per detail-type", () => {
    synth.template.hasResourceProperties("AWS::Events::EventBus", { Name: "avmon" });
    synth.template.hasResourceProperties("AWS::Events::Archive", {
      EventPattern: { source: ["avmon"] },
      RetentionDays: 30,
    });
    synth.template.resourceCountIs("AWS::EventSchemas::Registry", 1);
    const schemas = resourcesOf(synth.template, "AWS::EventSchemas::Schema");
    expect(schemas.map(([, s]) => s.Properties.SchemaName).sort()).toEqual([
      "avmon@DefectCleared",
      "avmon@DefectDetected",
      "avmon@JobAccepted",
      "avmon@JobCompleted",
      "avmon@JobFailed",
      "avmon@JobProgress",
      "avmon@JobStarted",
    ]);
    for (const [, schema] of schemas) {
      expect(schema.Properties.Type).toBe("JSONSchemaDraft4");
      const content = JSON.parse(schema.Properties.Content);
      expect(content.$schema).toBe("http://json-schema.org/draft-04/schema#");
      expect(content.properties.detail).toBeDefined();
    }
  });

  it("encrypts the alert topic and wires alarms to an encrypted operations topic", () => {
    const topics = resourcesOf(synth.template, "AWS::SNS::Topic");
    expect(topics).toHaveLength(2);
    for (const [, topic] of topics) expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    for (const [, alarm] of resourcesOf(synth.template, "AWS::CloudWatch::Alarm")) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
    synth.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("outputs the API URL and the bus name", () => {
    synth.template.hasOutput("ApiUrl", Match.anyValue());
    synth.template.hasOutput("EventBusName", { Value: { Ref: Match.anyValue() } });
  });
});
