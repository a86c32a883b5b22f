import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../core-service/src/config.ts";
import { liveStreamsPerTask } from "../../core-service/src/domain/live-capacity.ts";
import { parseAvmonConfig } from "../../infra/lib/config.ts";
import { type CfnJson, resourcesOf, type Synthesized, synthAvmon } from "./synth.ts";

let synth: Synthesized;

beforeAll(() => {
  synth = synthAvmon(
    {
      detectorGroups: [
        { name: "video", detectors: ["black", "freeze"] },
        { name: "audio", detectors: ["silence"], liveProfile: "economy" },
        { name: "loud", detectors: ["loudness"], liveProfile: "economy", streamsPerTask: 20 },
      ],
    },
    { bundle: false },
  );
});

/** Each group's task environment (plain values only), by AVMON_DETECTOR_GROUP. */
function environments(): Record<string, Record<string, string>> {
  return Object.fromEntries(
    resourcesOf(synth.template, "AWS::ECS::TaskDefinition").map(([, task]) => {
      const variables: CfnJson[] = task.Properties.ContainerDefinitions[0].Environment;
      const plain = variables.filter((v) => typeof v.Value === "string").map((v) => [v.Name, v.Value]);
      const environment = Object.fromEntries(plain) as Record<string, string>;
      return [environment.AVMON_DETECTOR_GROUP, environment];
    }),
  );
}

/** The target-tracking policies on RunningStreams, by the ServiceName dimension they track. */
function streamsPolicies(): Record<string, CfnJson> {
  return Object.fromEntries(
    resourcesOf(synth.template, "AWS::ApplicationAutoScaling::ScalingPolicy")
      .map(([, policy]) => policy.Properties.TargetTrackingScalingPolicyConfiguration)
      .filter((tracking) => tracking.CustomizedMetricSpecification?.MetricName === "RunningStreams")
      .map((tracking) => [tracking.CustomizedMetricSpecification.Dimensions[0].Value, tracking]),
  );
}

describe("scaling on live streams per task", () => {
  it("tells each group's task its live profile and its streams per task, defaulting from the profile", () => {
    const env = environments();
    // The default task is 2 vCPU, the bench machine's size, so the defaults are the bench figures' share.
    expect(env.video).toMatchObject({
      AVMON_LIVE_PROFILE: "full",
      AVMON_MAX_LIVE_STREAMS: String(liveStreamsPerTask("full")),
    });
    expect(env.audio).toMatchObject({
      AVMON_LIVE_PROFILE: "economy",
      AVMON_MAX_LIVE_STREAMS: String(liveStreamsPerTask("economy")),
    });
    expect(env.loud).toMatchObject({ AVMON_LIVE_PROFILE: "economy", AVMON_MAX_LIVE_STREAMS: "20" });
  });

  it("hands the task settings the worker's own config parser accepts", () => {
    for (const environment of Object.values(environments())) {
      const config = parseConfig(environment);
      expect(config.maxLiveStreams).toBe(Number(environment.AVMON_MAX_LIVE_STREAMS));
      expect(config.serviceName).toBe(environment.AVMON_SERVICE_NAME);
    }
  });

  it("tracks the Average of RunningStreams over each service's tasks at three quarters of its cap", () => {
    const env = environments();
    const policies = streamsPolicies();
    expect(Object.keys(policies).sort()).toEqual(
      ["audio", "loud", "video"].map((group) => env[group]?.AVMON_SERVICE_NAME).sort(),
    );
    for (const group of ["video", "audio", "loud"]) {
      const tracking = policies[env[group]?.AVMON_SERVICE_NAME ?? ""];
      expect(tracking.CustomizedMetricSpecification).toEqual({
        Namespace: "avmon",
        MetricName: "RunningStreams",
        Dimensions: [{ Name: "ServiceName", Value: env[group]?.AVMON_SERVICE_NAME }],
        Statistic: "Average",
      });
      expect(tracking.TargetValue).toBe(Number(env[group]?.AVMON_MAX_LIVE_STREAMS) * 0.75);
      expect(tracking.ScaleOutCooldown).toBe(60);
    }
    expect(policies[env.loud?.AVMON_SERVICE_NAME ?? ""].TargetValue).toBe(15);
  });

  it("names each task's metric dimension after its stack and group, so two stacks never average together", () => {
    const env = environments();
    expect(env.video?.AVMON_SERVICE_NAME).toBe(`${synth.stack.stackName}-video`);
    expect(new Set(Object.values(env).map((e) => e.AVMON_SERVICE_NAME)).size).toBe(3);
  });

  it("keeps the CPU and backlog scaling beside it, each policy on the service's own scalable target", () => {
    const policies = resourcesOf(synth.template, "AWS::ApplicationAutoScaling::ScalingPolicy");
    expect(policies).toHaveLength(9);
    synth.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      }),
    });
    const targets = new Set(policies.map(([, p]) => JSON.stringify(p.Properties.ScalingTargetId)));
    expect(targets.size).toBe(3);
  });

  it("scales the default streams per task with the task's vCPUs", () => {
    const [group] = parseAvmonConfig({ taskCpu: 4096 }).detectorGroups;
    expect(group).toMatchObject({ liveProfile: "full", streamsPerTask: liveStreamsPerTask("full", 4) });
    expect(liveStreamsPerTask("full", 4)).toBe(2 * liveStreamsPerTask("full", 2));
  });
});

describe("live scaling settings", () => {
  it.each([
    [{ liveProfile: "cheap" }, /detectorGroups\.0\.liveProfile/],
    [{ streamsPerTask: 0 }, /detectorGroups\.0\.streamsPerTask/],
    [{ streamsPerTask: 2.5 }, /detectorGroups\.0\.streamsPerTask/],
  ])("refuses %j, naming the field", (bad, message) => {
    expect(() => parseAvmonConfig({ detectorGroups: [{ name: "x", detectors: ["black"], ...bad }] })).toThrow(
      message,
    );
  });
});
