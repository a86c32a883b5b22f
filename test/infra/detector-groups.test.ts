import { Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAvmonApp } from "../../infra/lib/build-app.ts";
import { parseAvmonConfig } from "../../infra/lib/config.ts";
import { type CfnJson, resourcesOf, type Synthesized, synthAvmon } from "./synth.ts";

let synth: Synthesized;

beforeAll(() => {
  synth = synthAvmon(
    {
      auth: { type: "jwt", userPoolId: "eu-west-1_Example1" },
      detectorGroups: [
        { name: "video", detectors: ["black", "freeze", "blockiness"], maxTasks: 20 },
        { name: "audio", detectors: ["silence", "clipping", "loudness"], maxTasks: 4 },
      ],
      alertSeverities: ["critical"],
      alertEmails: ["oncall@example.com"],
      webhookSecretName: "avmon/slack-webhook",
    },
    { bundle: false },
  );
});

function environmentOf(taskDefinition: CfnJson): Record<string, unknown> {
  return Object.fromEntries(
    taskDefinition.Properties.ContainerDefinitions[0].Environment.map((e: CfnJson) => [e.Name, e.Value]),
  );
}

describe("avmon deployed as detector groups", () => {
  it("runs one service per group, each with its own detectors and its own queue", () => {
    synth.template.resourceCountIs("AWS::ECS::Service", 2);
    synth.template.resourceCountIs("AWS::ECS::Cluster", 1);
    const byDetectors = Object.fromEntries(
      resourcesOf(synth.template, "AWS::ECS::TaskDefinition").map(([, td]) => {
        const env = environmentOf(td);
        return [env.AVMON_DETECTORS, (env.AVMON_QUEUE_URL as { Ref: string }).Ref];
      }),
    );
    expect(Object.keys(byDetectors).sort()).toEqual(["black,freeze,blockiness", "silence,clipping,loudness"]);
    expect(byDetectors["black,freeze,blockiness"]).toMatch(/^JobQueuevideo/);
    expect(byDetectors["silence,clipping,loudness"]).toMatch(/^JobQueueaudio/);
  });

  it("tells each group's worker the redrive count of its own queue, so it fails a job on its last delivery", () => {
    const queues = Object.fromEntries(resourcesOf(synth.template, "AWS::SQS::Queue"));
    const pairs = resourcesOf(synth.template, "AWS::ECS::TaskDefinition").map(([, td]) => {
      const env = environmentOf(td);
      const queue = queues[(env.AVMON_QUEUE_URL as { Ref: string }).Ref];
      return [env.AVMON_MAX_RECEIVE_COUNT, String(queue?.Properties.RedrivePolicy.maxReceiveCount)];
    });
    expect(pairs).toHaveLength(2);
    for (const [told, redrive] of pairs) expect(told).toBe(redrive);
  });

  it("scales each group between its own bounds on its own queue's backlog", () => {
    const targets = resourcesOf(synth.template, "AWS::ApplicationAutoScaling::ScalableTarget");
    expect(targets.map(([, t]) => t.Properties.MaxCapacity).sort()).toEqual([20, 4]);
    const backlogQueues = resourcesOf(synth.template, "AWS::ApplicationAutoScaling::ScalingPolicy")
      .map(([, p]) => p.Properties.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification)
      .filter((spec: CfnJson) => spec?.Metrics !== undefined)
      .map((spec: CfnJson) => spec.Metrics[0].MetricStat.Metric.Dimensions[0].Value["Fn::GetAtt"][0]);
    expect(backlogQueues).toHaveLength(2);
    expect(backlogQueues.some((q: string) => q.startsWith("JobQueuevideo"))).toBe(true);
    expect(backlogQueues.some((q: string) => q.startsWith("JobQueueaudio"))).toBe(true);
  });

  it("tells both ingestion functions to fan each job out to every group", () => {
    const ingestFunctions = resourcesOf(synth.template, "AWS::Lambda::Function").filter(([, f]) =>
      ["avmon-ingest-api", "avmon-s3-ingest"].includes(
        f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
      ),
    );
    expect(ingestFunctions).toHaveLength(2);
    for (const [, fn] of ingestFunctions) {
      const groups = fn.Properties.Environment.Variables.AVMON_GROUP_QUEUES;
      const text = JSON.stringify(groups);
      expect(text).toContain('\\"name\\":\\"video\\"');
      expect(text).toContain('\\"name\\":\\"audio\\"');
      expect(text).toMatch(/JobQueuevideo/);
      expect(text).toMatch(/JobQueueaudio/);
    }
  });

  it("puts the Cognito JWT authorizer on every API method when auth is jwt", () => {
    const [[authorizerId, authorizer]] = resourcesOf(synth.template, "AWS::ApiGateway::Authorizer") as [
      [string, CfnJson],
    ];
    expect(authorizer.Properties.Type).toBe("COGNITO_USER_POOLS");
    const methods = resourcesOf(synth.template, "AWS::ApiGateway::Method");
    expect(methods).toHaveLength(5);
    for (const [, method] of methods) {
      expect(method.Properties.AuthorizationType).toBe("COGNITO_USER_POOLS");
      expect(method.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    }
  });

  it("filters alerts on the configured severities and subscribes the e-mail addresses", () => {
    synth.template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { detail: { defect: { severity: ["critical"] } } },
    });
    synth.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
    });
  });

  it("gives the notifier the webhook secret's name and read access to it, nothing broader", () => {
    const [[, notifier]] = resourcesOf(synth.template, "AWS::Lambda::Function").filter(
      ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === "avmon-notifier",
    ) as [[string, CfnJson]];
    expect(notifier.Properties.Environment.Variables.AVMON_WEBHOOK_SECRET_ID).toBe("avmon/slack-webhook");
    const secretStatements = resourcesOf(synth.template, "AWS::IAM::Policy")
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: CfnJson) => [s.Action].flat().includes("secretsmanager:GetSecretValue"));
    expect(secretStatements).toHaveLength(1);
    expect(JSON.stringify(secretStatements[0].Resource)).toContain("secret:avmon/slack-webhook-??????");
  });
});

describe("the cdk-nag gate", () => {
  it("fails synth on a finding nobody acknowledged, naming the rule", () => {
    const { stack } = buildAvmonApp({ context: { "aws:cdk:bundling-stacks": [] } });
    new Bucket(stack, "CarelessBucket");
    expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-S10/);
  });

  it("gives every AwsSolutions acknowledgement its own specific reason", () => {
    const reasons = synth.stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .filter(([id]) => id.startsWith("AwsSolutions::"));
    expect(reasons.length).toBeGreaterThan(5);
    for (const [, reason] of reasons) expect(reason.length).toBeGreaterThan(60);
    const distinctRules = new Set(reasons.map(([id]) => id.replace(/\[.*$/, "")));
    const distinctReasons = new Set(reasons.map(([, reason]) => reason));
    expect(distinctReasons.size).toBeGreaterThanOrEqual(distinctRules.size);
  });
});

describe("the deployment settings", () => {
  it("refuses a detector group with an unknown detector, naming the field", () => {
    expect(() => parseAvmonConfig({ detectorGroups: [{ name: "x", detectors: ["sparkles"] }] })).toThrow(
      /detectorGroups\.0\.detectors\.0/,
    );
  });

  it("refuses two groups with the same name", () => {
    const group = { name: "video", detectors: ["black"] };
    expect(() => parseAvmonConfig({ detectorGroups: [group, group] })).toThrow(/unique/);
  });

  it.each(["", "evidence/", "evi", "evidence/uploads/"])(
    "refuses an ingest prefix (%j) that would turn the workers' evidence images into jobs",
    (ingestPrefix) => {
      expect(() => parseAvmonConfig({ ingestPrefix })).toThrow(
        /ingestPrefix: must not be empty nor overlap .*evidence\/ \(evidence images\)/,
      );
    },
  );

  it("reads the settings from a JSON string, as `cdk -c` passes them", () => {
    expect(parseAvmonConfig('{"busName":"media-alerts"}').busName).toBe("media-alerts");
  });
});
