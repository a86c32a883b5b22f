import { App, type AppProps, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { AvmonStack } from "./avmon-stack.ts";
import { CONFIG_CONTEXT_KEY, parseAvmonConfig } from "./config.ts";

export const STACK_NAME_CONTEXT_KEY = "avmon:stackName";

/**
 * The CDK app as `cdk synth` builds it, shared with the tests so they check exactly what is deployed:
 * the stack from the `avmon:config` context, with AWS Solutions checks that fail synth on any finding not
 * acknowledged in nag-acknowledgements.ts.
 */
export function buildAvmonApp(props: AppProps = {}): { app: App; stack: AvmonStack } {
  const app = new App(props);
  const config = parseAvmonConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
  const stack = new AvmonStack(app, app.node.tryGetContext(STACK_NAME_CONTEXT_KEY) ?? "Avmon", {
    config,
    description: "avmon: audio/video monitoring (ingestion API, autoscaled ECS core, EventBridge alerts)",
    // An imported VPC is looked up, which needs a concrete account and region.
    env: config.vpcId
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
