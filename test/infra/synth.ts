import { Template } from "aws-cdk-lib/assertions";
import type { AvmonStack } from "../../infra/lib/avmon-stack.ts";
import { buildAvmonApp } from "../../infra/lib/build-app.ts";
import type { AvmonConfigInput } from "../../infra/lib/config.ts";

export interface Synthesized {
  readonly stack: AvmonStack;
  readonly template: Template;
}

/**
 * Synthesizes the app as `cdk synth` does (cdk-nag included: an unacknowledged finding throws here).
 * `bundle: false` skips esbuild through CDK's own switch, for suites that do not look at function code.
 */
export function synthAvmon(config: AvmonConfigInput, options: { bundle?: boolean } = {}): Synthesized {
  const context: Record<string, unknown> = { "avmon:config": config };
  if (options.bundle === false) context["aws:cdk:bundling-stacks"] = [];
  const { stack } = buildAvmonApp({ context });
  return { stack, template: Template.fromStack(stack) };
}

/** Template JSON is untyped; the tests index into it as CloudFormation documents it. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation resource properties have no static type here.
export type CfnJson = any;

/** The resources of one type, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, { Properties: CfnJson }][] {
  return Object.entries(template.findResources(type)) as [string, { Properties: CfnJson }][];
}
