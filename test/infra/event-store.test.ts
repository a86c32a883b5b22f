import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAvmonConfig } from "../../infra/lib/config.ts";
import { type CfnJson, resourcesOf, type Synthesized, synthAvmon } from "./synth.ts";

let synth: Synthesized;

beforeAll(() => {
  // cdk-nag runs in synth: a grant below without its acknowledgement would throw here.
  synth = synthAvmon({}, { bundle: false });
});

/** The statements of the IAM policy attached to the role whose logical id contains `roleHint`. */
function statementsOfRole(roleHint: string): CfnJson[] {
  return resourcesOf(synth.template, "AWS::IAM::Policy")
    .filter(([, policy]) => policy.Properties.Roles.some((r: CfnJson) => String(r.Ref).includes(roleHint)))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

/** The object ARN pattern a statement grants, as `<prefix>*` of the ingest bucket. */
function bucketPrefixes(statements: CfnJson[], action: string): string[] {
  return statements
    .filter((s) => [s.Action].flat().includes(action))
    .flatMap((s) => [s.Resource].flat())
    .flatMap((r: CfnJson) => (r["Fn::Join"] ? [r["Fn::Join"][1][1]] : []));
}

describe("where undeliverable events and claim checks are kept", () => {
  it("lets the core write claim checks and parked events under the ingest bucket's events/, and tells it the bucket", () => {
    // Its only other writes are evidence images, under evidence/ (operator-view.test.ts).
    expect(bucketPrefixes(statementsOfRole("CoreallTaskTaskRole"), "s3:PutObject")).toEqual([
      "/events/*",
      "/evidence/*",
    ]);
    synth.template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: "AVMON_INGEST_BUCKET", Value: { Ref: Match.stringLikeRegexp("^IngestBucket") } },
          ]),
        }),
      ],
    });
  });

  it("lets both ingest functions park a refused Job Accepted under events/undeliverable/ only", () => {
    for (const role of ["IngestionApiHandlerRole", "IngestionS3HandlerRole"]) {
      expect(bucketPrefixes(statementsOfRole(role), "s3:PutObject")).toEqual(["/events/undeliverable/*"]);
    }
  });

  it("lets the status projector read claim checks only, and tells it the bucket", () => {
    const statements = statementsOfRole("StatusProjectionHandlerRole");
    expect(bucketPrefixes(statements, "s3:GetObject*")).toEqual(["/events/claims/*"]);
    expect(statements.some((s) => [s.Action].flat().includes("s3:PutObject"))).toBe(false);
    synth.template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: "avmon-status-projector",
          AVMON_INGEST_BUCKET: { Ref: Match.stringLikeRegexp("^IngestBucket") },
        }),
      },
    });
  });

  it("alarms, through the operations topic, as soon as any publisher gives up on an event", () => {
    const [[, alarm]] = resourcesOf(synth.template, "AWS::CloudWatch::Alarm").filter(([id]) =>
      id.includes("UndeliverableEvents"),
    ) as [[string, { Properties: CfnJson }]];
    const { Metrics, Threshold, ComparisonOperator, AlarmActions, EvaluationPeriods } = alarm.Properties;
    expect({ Threshold, ComparisonOperator, EvaluationPeriods }).toEqual({
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
    });
    const sum = Metrics.find((m: CfnJson) => m.Expression);
    const inputs = Metrics.filter((m: CfnJson) => m.MetricStat);
    expect(sum.Expression).toMatch(/^SUM\(\[.+\]\)$/);
    expect(
      inputs.map((m: CfnJson) => ({
        namespace: m.MetricStat.Metric.Namespace,
        name: m.MetricStat.Metric.MetricName,
        service: m.MetricStat.Metric.Dimensions[0].Value,
        stat: m.MetricStat.Stat,
      })),
    ).toEqual(
      ["avmon-core", "avmon-ingest-api", "avmon-s3-ingest"].map((service) => ({
        namespace: "avmon",
        name: "UndeliverableEvents",
        service,
        stat: "Sum",
      })),
    );
    expect(JSON.stringify(AlarmActions)).toContain("OperationsTopic");
  });

  it("refuses an ingest prefix that would turn avmon's own event data into jobs", () => {
    for (const ingestPrefix of ["", "events/", "events/claims/", "ev"]) {
      expect(() => parseAvmonConfig({ ingestPrefix })).toThrow(
        /ingestPrefix: must not be empty nor overlap events\//,
      );
    }
    expect(parseAvmonConfig({ ingestPrefix: "uploads/" }).ingestPrefix).toBe("uploads/");
  });
});
