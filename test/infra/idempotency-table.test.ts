import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { POWERTOOLS_TABLE_ATTRIBUTES } from "../../core-service/src/adapters/aws/dynamodb-idempotency.ts";
import { FUNCTION_TIMEOUT_SECONDS } from "../../edge-functions/shared/env.ts";
import { type CfnJson, resourcesOf, type Synthesized, synthAvmon } from "./synth.ts";

let synth: Synthesized;
beforeAll(() => {
  synth = synthAvmon({}, { bundle: false });
});

/** The functions whose handlers keep Powertools idempotency records in the job table. */
const IDEMPOTENT_FUNCTIONS = ["ingest-api", "s3-ingest", "notifier"] as const;
const RECORD_ACTIONS = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

describe("the job table as Powertools idempotency needs it", () => {
  it("is keyed by the attribute the persistence layer writes, and expires records by its expiry attribute", () => {
    synth.template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: POWERTOOLS_TABLE_ATTRIBUTES.keyAttr, KeyType: "HASH" }],
      // The job listing index adds its own key attributes; the partition key must be among them as a string.
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: POWERTOOLS_TABLE_ATTRIBUTES.keyAttr, AttributeType: "S" },
      ]),
      TimeToLiveSpecification: { AttributeName: POWERTOOLS_TABLE_ATTRIBUTES.expiryAttr, Enabled: true },
    });
  });

  const functionNamed = (name: string) => {
    const functions = resourcesOf(synth.template, "AWS::Lambda::Function").filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `avmon-${name}`,
    );
    expect(functions).toHaveLength(1);
    return functions[0]?.[1] as { Properties: CfnJson };
  };

  it.each(IDEMPOTENT_FUNCTIONS)(
    "gives %s the timeout its handler uses as the life of an unfinished claim",
    (name) => {
      expect(functionNamed(name).Properties.Timeout).toBe(FUNCTION_TIMEOUT_SECONDS[name]);
    },
  );

  it.each(IDEMPOTENT_FUNCTIONS)("lets %s claim, read, complete and release records in the table", (name) => {
    const role = functionNamed(name).Properties.Role["Fn::GetAtt"][0];
    const tableId = resourcesOf(synth.template, "AWS::DynamoDB::GlobalTable")[0]?.[0] ?? "(no table)";
    const statements = resourcesOf(synth.template, "AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.Roles.some((r: CfnJson) => r.Ref === role))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      )
      .filter((s) => JSON.stringify(s.Resource).includes(tableId));
    const granted = new Set(statements.flatMap((s) => [s.Action].flat()));
    for (const action of RECORD_ACTIONS) expect(granted).toContain(action);
  });
});
