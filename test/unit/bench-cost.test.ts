/** The arithmetic of bench/cost.ts: a stream-hour priced on Fargate, and the serverless-only estimate. */
import { describe, expect, it } from "vitest";
import {
  costLines,
  FARGATE_ARM64_GB_HOUR,
  FARGATE_ARM64_VCPU_HOUR,
  fargatePrices,
  serverlessOnlyEstimate,
  workloadCost,
} from "../../bench/cost.ts";

const listPrices = fargatePrices({});

describe("workloadCost", () => {
  it("prices the vCPU-hours of a media hour and the memory share of a stream", () => {
    // 360 CPU s per media hour = 0.1 vCPU-hour; 512 MiB = 0.5 GB.
    const cost = workloadCost(360, 512, listPrices);
    expect(cost.streamsPerVcpu).toBe(10);
    expect(cost.dollarsPerStreamHour).toBeCloseTo(
      0.1 * FARGATE_ARM64_VCPU_HOUR + 0.5 * FARGATE_ARM64_GB_HOUR,
      10,
    );
  });

  it("counts no memory when none is given, and infinite streams for no CPU", () => {
    expect(workloadCost(3600, undefined, listPrices).dollarsPerStreamHour).toBeCloseTo(
      FARGATE_ARM64_VCPU_HOUR,
      10,
    );
    expect(workloadCost(0, undefined, listPrices).streamsPerVcpu).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("fargatePrices", () => {
  it("takes overrides from the environment and says so", () => {
    const prices = fargatePrices({ AVMON_PRICE_VCPU_HOUR: "0.05", AVMON_PRICE_REGION: "eu-west-1" });
    expect(prices).toMatchObject({ vcpuHour: 0.05, gbHour: FARGATE_ARM64_GB_HOUR, region: "eu-west-1" });
    expect(prices.source).toMatch(/AVMON_PRICE/);
    expect(listPrices.source).toMatch(/as of \d{4}-\d{2}-\d{2}/);
  });

  it("refuses a price that is not a number, naming the variable", () => {
    expect(() => fargatePrices({ AVMON_PRICE_GB_HOUR: "cheap" })).toThrow(/AVMON_PRICE_GB_HOUR .*"cheap"/);
    expect(() => fargatePrices({ AVMON_PRICE_VCPU_HOUR: "-1" })).toThrow(/AVMON_PRICE_VCPU_HOUR/);
  });
});

describe("serverlessOnlyEstimate", () => {
  it("is a state transition and a Lambda request a second, plus a PUT and a GET per frame", () => {
    const one = serverlessOnlyEstimate();
    expect(one.dollarsPerStreamHour).toBeCloseTo(
      3600 * (0.025 / 1000 + 0.2 / 1e6) + 3600 * (0.005 / 1000 + 0.0004 / 1000),
      10,
    );
    const ten = serverlessOnlyEstimate({ framesPerSecond: 10 });
    expect(ten.dollarsPerStreamHour - one.dollarsPerStreamHour).toBeCloseTo((9 * 3600 * 0.0054) / 1000, 10);
    expect(one.formula).toMatch(/3600 s/);
  });
});

describe("costLines", () => {
  it("prints the CPU, streams per vCPU, the price and the serverless comparison", () => {
    const lines = costLines("live, economy", 120, 27, listPrices).join("\n");
    expect(lines).toMatch(/cost of live, economy/);
    expect(lines).toMatch(/vCPU-seconds per media hour: +120/);
    expect(lines).toMatch(/streams per vCPU: +30\.0/);
    expect(lines).toMatch(/serverless-only estimate/);
  });
});
