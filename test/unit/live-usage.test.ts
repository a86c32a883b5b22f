import { describe, expect, it } from "vitest";
import type { LiveUsage } from "../../core-service/src/domain/job.ts";
import type { LiveStats } from "../../core-service/src/live/types.ts";
import type { LiveCpuMeter } from "../../core-service/src/media/cpu-meter.ts";
import { LiveUsageMeter, ProgressSchedule } from "../../core-service/src/worker/live-usage.ts";

const stats = (overrides: Partial<LiveStats> = {}): LiveStats => ({
  lagSeconds: 0,
  framesPerSecond: 30,
  openDefects: [],
  connected: true,
  reconnects: 0,
  streamTime: 10,
  profile: "economy",
  escalated: false,
  escalations: { count: 0 },
  ...overrides,
});

/** A meter that reads a fixed figure: what is under test is the arithmetic around it. */
const cpuOf = (seconds: number): LiveCpuMeter => ({
  track: () => {},
  seconds: () => seconds,
  stop: () => {},
});

const base: LiveUsage = {
  profile: "economy",
  escalated: false,
  escalations: { count: 2, lastCause: "still" },
  cpuSeconds: 10,
  cpuSecondsPerMediaHour: 360,
  mediaSeconds: 100,
};

describe("LiveUsageMeter", () => {
  it("scales the job's CPU to an hour of stream watched", () => {
    const meter = new LiveUsageMeter({ profile: "full", resumed: false, cpu: cpuOf(4) });
    meter.update(stats({ streamTime: 120 }));

    expect(meter.usage()).toEqual({
      profile: "economy",
      escalated: false,
      escalations: { count: 0 },
      cpuSeconds: 4,
      cpuSecondsPerMediaHour: 120,
      mediaSeconds: 120,
    });
  });

  it("goes on from an earlier delivery's usage, counting stream time from its own first media", () => {
    const meter = new LiveUsageMeter({ profile: "economy", base, resumed: true, cpu: cpuOf(2) });
    meter.update(stats({ streamTime: 500 }));
    meter.update(stats({ streamTime: 520, escalated: true, escalations: { count: 1, lastCause: "black" } }));

    expect(meter.usage()).toEqual({
      profile: "economy",
      escalated: true,
      escalations: { count: 3, lastCause: "black" },
      cpuSeconds: 12,
      cpuSecondsPerMediaHour: 360,
      mediaSeconds: 120,
    });
  });

  it("keeps the earlier delivery's last cause until this one escalates", () => {
    const meter = new LiveUsageMeter({ profile: "economy", base, resumed: true, cpu: cpuOf(0) });
    meter.update(stats());
    expect(meter.usage().escalations).toEqual({ count: 2, lastCause: "still" });
  });
});

describe("ProgressSchedule", () => {
  const quiet = { ...base, escalations: { count: 0 } };

  it("is due first, then every interval, and at once when the stream escalates or returns", () => {
    const schedule = new ProgressSchedule(60);
    expect(schedule.due(quiet, 0)).toBe(true);
    schedule.sent(quiet, 0);

    expect(schedule.due(quiet, 59_000)).toBe(false);
    expect(schedule.due(quiet, 60_000)).toBe(true);
    const escalated = { ...quiet, escalated: true, escalations: { count: 1 } };
    expect(schedule.due(escalated, 1000)).toBe(true);
    schedule.sent(escalated, 1000);
    expect(schedule.due({ ...escalated, escalated: false }, 2000)).toBe(true);
  });
});
