import { describe, expect, it } from "vitest";
import { parseConfig, SETTINGS } from "../../core-service/src/config.ts";
import { FILE_DEFECT_TYPES } from "../../core-service/src/domain/defect.ts";
import { ConfigError } from "../../core-service/src/domain/errors.ts";
import { DEFAULT_ANALYSIS_LIMITS, LIMIT_SETTINGS } from "../../core-service/src/domain/limits.ts";
import { liveStreamsPerTask } from "../../core-service/src/domain/live-capacity.ts";

describe("config", () => {
  it("gives the documented defaults when nothing is set", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3000,
      dataDir: ".avmon-data",
      demo: true,
      concurrency: 2,
      shutdownDeadlineSeconds: 100,
      queueUrl: undefined,
    });
    expect(config.detectors).toEqual(FILE_DEFECT_TYPES);
    expect(config.analysisLimits).toEqual(DEFAULT_ANALYSIS_LIMITS);
    const values = Object.values(config).flatMap((v) =>
      v && typeof v === "object" && !Array.isArray(v) ? Object.values(v) : [v],
    );
    for (const setting of SETTINGS.filter((s) => /^\d+$/.test(s.default))) {
      expect(values).toContain(Number(setting.default));
    }
  });

  it("reads the container's settings", () => {
    const config = parseConfig({
      AVMON_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/1/jobs",
      AVMON_EVENT_BUS_NAME: "avmon",
      AVMON_DETECTORS: "black,freeze",
      AVMON_CONCURRENCY: "4",
      AVMON_DEMO: "false",
    });
    expect(config).toMatchObject({
      eventBusName: "avmon",
      concurrency: 4,
      demo: false,
      detectors: ["black", "freeze"],
    });
  });

  it.each([
    ["PORT", "http"],
    ["AVMON_CONCURRENCY", "0"],
    ["AVMON_DETECTORS", "black,flicker"],
    ["AVMON_DEMO", "maybe"],
    ["AVMON_LOG_LEVEL", "loud"],
    ["AVMON_LIVE_PROFILE", "cheap"],
    ["AVMON_MAX_LIVE_STREAMS", "0"],
    ["AVMON_MAX_LIVE_STREAMS", "2.5"],
  ])("fails fast naming %s when it is %j", (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it("follows live jobs in the full profile by default, as many at once as the profile's bench figure allows", () => {
    const full = parseConfig({});
    const economy = parseConfig({ AVMON_LIVE_PROFILE: "economy" });
    expect(full).toMatchObject({ liveProfile: "full", maxLiveStreams: liveStreamsPerTask("full") });
    expect(economy).toMatchObject({ liveProfile: "economy", maxLiveStreams: liveStreamsPerTask("economy") });
    expect(economy.maxLiveStreams).toBeGreaterThanOrEqual(3 * full.maxLiveStreams);
    expect(parseConfig({ AVMON_LIVE_PROFILE: "economy", AVMON_MAX_LIVE_STREAMS: "20" }).maxLiveStreams).toBe(
      20,
    );
    const documented = SETTINGS.find((s) => s.name === "AVMON_MAX_LIVE_STREAMS")?.default;
    expect(documented).toContain(`full ${full.maxLiveStreams}`);
  });

  it("describes every setting it reads, for the README's table", () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const setting of SETTINGS) expect(setting.description.length).toBeGreaterThan(10);
  });

  it("names in limit errors the settings that change each limit", () => {
    const settingNames: string[] = SETTINGS.map((s) => s.name);
    for (const name of Object.values(LIMIT_SETTINGS)) expect(settingNames).toContain(name);
    const env = Object.fromEntries(Object.values(LIMIT_SETTINGS).map((name) => [name, "7"]));
    expect(Object.values(parseConfig(env).analysisLimits)).toEqual([7, 7, 7, 7, 7]);
  });
});
