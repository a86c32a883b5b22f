/** What the operator's view needs from the stack: the job listing, evidence links and the fleet dashboard. */
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { JOB_LIST_INDEX } from "../../core-service/src/adapters/aws/job-table-layout.ts";
import { type CfnJson, resourcesOf, type Synthesized, synthAvmon } from "./synth.ts";

let synth: Synthesized;

beforeAll(() => {
  synth = synthAvmon({}, { bundle: false });
});

/** The dashboard body is a JSON string CloudFormation joins from parts (tokens for names and ARNs). */
function dashboardBody(): string {
  const [[, dashboard] = []] = resourcesOf(synth.template, "AWS::CloudWatch::Dashboard");
  const body: CfnJson = dashboard?.Properties.DashboardBody;
  const parts: CfnJson[] = body["Fn::Join"]?.[1] ?? [body];
  return parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join("");
}

function pathOf(resourceId: string, resources: Record<string, { Properties: CfnJson }>): string {
  const resource = resources[resourceId];
  if (!resource) return "";
  const parent = resource.Properties.ParentId;
  const parentPath = parent?.Ref ? pathOf(parent.Ref, resources) : "";
  return `${parentPath}/${resource.Properties.PathPart}`;
}

describe("the stack behind the operator's view", () => {
  it("indexes job items newest first by their list key, with the view the listing returns", () => {
    synth.template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      GlobalSecondaryIndexes: [
        {
          IndexName: JOB_LIST_INDEX.indexName,
          KeySchema: [
            { AttributeName: JOB_LIST_INDEX.partitionKey, KeyType: "HASH" },
            { AttributeName: JOB_LIST_INDEX.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["view"] },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: JOB_LIST_INDEX.partitionKey, AttributeType: "S" },
        { AttributeName: JOB_LIST_INDEX.sortKey, AttributeType: "S" },
      ]),
    });
  });

  it("routes GET /jobs and GET /jobs/{jobId}/evidence/{alertId} to the ingest-api Lambda, behind IAM", () => {
    const resources = synth.template.findResources("AWS::ApiGateway::Resource") as Record<
      string,
      { Properties: CfnJson }
    >;
    const routes = resourcesOf(synth.template, "AWS::ApiGateway::Method").map(([, method]) => {
      const parent = method.Properties.ResourceId.Ref;
      const path = parent ? pathOf(parent, resources) : "/";
      return { route: `${method.Properties.HttpMethod} ${path}`, method: method.Properties };
    });
    const listing = routes.find((r) => r.route === "GET /jobs")?.method;
    const evidence = routes.find((r) => r.route === "GET /jobs/{jobId}/evidence/{alertId}")?.method;

    expect(listing?.AuthorizationType).toBe("AWS_IAM");
    expect(listing?.RequestParameters).toEqual({
      "method.request.querystring.limit": false,
      "method.request.querystring.cursor": false,
    });
    expect(evidence?.AuthorizationType).toBe("AWS_IAM");
    expect(evidence?.RequestParameters).toEqual({
      "method.request.path.jobId": true,
      "method.request.path.alertId": true,
    });
    expect(evidence?.Integration.Type).toBe("AWS_PROXY");
  });

  it("lets the ingest-api Lambda read evidence images and query the listing index", () => {
    const policies = resourcesOf(synth.template, "AWS::IAM::Policy").filter(([id]) =>
      id.startsWith("IngestionApiHandlerRole"),
    );
    const statements: CfnJson[] = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const s3 = statements.filter((s) => [s.Action].flat().some((action: string) => action.startsWith("s3:")));
    const reads = s3.filter((s) => [s.Action].flat().some((action: string) => action.startsWith("s3:Get")));
    expect(reads.map((s) => s.Action)).toEqual(["s3:GetObject"]);
    expect(JSON.stringify(reads[0]?.Resource)).toMatch(/"\/evidence\/\*"\]/);
    // Its only other S3 access: parking a Job Accepted EventBridge refused (event-store.test.ts).
    for (const other of s3.filter((s) => !reads.includes(s)))
      expect(JSON.stringify(other.Resource)).toMatch(/"\/events\/undeliverable\/\*"\]/);
    const dynamo = statements.find((s) => [s.Action].flat().includes("dynamodb:Query"));
    expect(JSON.stringify(dynamo?.Resource)).toContain("/index/*");
  });

  it("lets the workers write evidence images under evidence/ of the ingest bucket, and tells them the bucket", () => {
    const policies = resourcesOf(synth.template, "AWS::IAM::Policy").filter(([id]) => id.startsWith("Core"));
    expect(policies.length).toBeGreaterThan(0);
    for (const [, policy] of policies) {
      const statements: CfnJson[] = policy.Properties.PolicyDocument.Statement;
      const writes = statements.filter((s) => [s.Action].flat().includes("s3:PutObject"));
      if (writes.length === 0) continue; // the execution role's policy
      const evidence = writes.filter((s) => JSON.stringify(s.Resource).match(/"\/evidence\/\*"\]/));
      expect(evidence).toHaveLength(1);
      expect([evidence[0]?.Action].flat()).toEqual(["s3:PutObject"]);
      // The one other write: claim checks and parked events under events/ (event-store.test.ts).
      const others = writes.filter((s) => !evidence.includes(s));
      expect(others.map((s) => JSON.stringify(s.Resource))).toEqual([
        expect.stringMatching(/"\/events\/\*"\]/),
      ]);
    }
    const containers = resourcesOf(synth.template, "AWS::ECS::TaskDefinition").flatMap(
      ([, task]) => task.Properties.ContainerDefinitions as CfnJson[],
    );
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) {
      const names = (container.Environment as { Name: string }[]).map((e) => e.Name);
      expect(names).toContain("AVMON_INGEST_BUCKET");
    }
  });

  it("shows the fleet on the CloudWatch dashboard: jobs, defects, backlog, CPU, memory, live streams, failures", () => {
    synth.template.hasResourceProperties("AWS::CloudWatch::Dashboard", { DashboardName: "Avmon-fleet" });
    const body = dashboardBody();
    for (const title of [
      "Alarms",
      "Jobs",
      "Defects by type",
      "Queue backlog",
      "Running tasks",
      "Live streams per task (average; scaling aims for 75 % of the cap)",
      "Worker CPU (%)",
      "Worker memory (%)",
      "Live streams: analysed frames per second",
      "Live streams: lag behind the stream (s)",
      "Live streams: open defects",
      "Failures: jobs failed, undeliverable events (parked for replay), dead letters",
      "Failures: function and API errors",
    ]) {
      expect(body).toContain(`"title":"${title}"`);
    }
    expect(body).toContain('"CPUUtilization"');
    expect(body).toContain('"UndeliverableEvents"');
    expect(body).toContain('"MemoryUtilization"');
    expect(body).toContain('MetricName=\\"LagSeconds\\"');
    expect(body).toContain('"RunningStreams"');
    expect(body).toContain('status=\\"failed\\"');
    expect(body).toContain('"5XXError"');
  });
});
