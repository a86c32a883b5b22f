/**
 * A live job's CPU (media/cpu-meter.ts): its ffmpegs read from /proc/<pid>/stat while they run and kept once they
 * end, plus an even share of this process's CPU among the jobs running at the time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import {
  ChildCpuTally,
  processCpuSeconds,
  SharedProcessCpu,
  startCpuMeter,
} from "../../core-service/src/media/cpu-meter.ts";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import { sharedMedia } from "../support/shared-media.ts";
import { waitFor } from "../worker/worker-harness.ts";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function started(command: string, args: readonly string[]) {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "ignore"] });
  children.push(child);
  const exited = once(child, "exit").then(() => undefined);
  return { child, exited, pid: child.pid as number };
}

/** Spins until it has used `seconds` of CPU, says so, then idles until killed. */
function busyNode(seconds: number) {
  const script = `const t = ${seconds * 1e6}; while (process.cpuUsage().user < t) {} console.log("done"); setInterval(() => {}, 1000);`;
  return started(process.execPath, ["-e", script]);
}

/** Decodes a real clip over and over until killed. */
function loopingFfmpeg() {
  const clip = sharedMedia("real-640x360-1s.mp4");
  return started(ffmpegBinaries().ffmpeg, ["-nostdin", "-stream_loop", "-1", "-i", clip, "-f", "null", "-"]);
}

function burn(cpuSeconds: number): void {
  const until = process.cpuUsage().user + cpuSeconds * 1e6;
  while (process.cpuUsage().user < until) {
    // spin
  }
}

describe("ChildCpuTally", () => {
  it("counts a busy child's CPU while it runs and keeps it after it has exited", async () => {
    const reaped = startCpuMeter();
    const tally = new ChildCpuTally();
    const busy = busyNode(0.4);
    tally.add(busy.pid, busy.exited);
    await once(busy.child.stdout as NodeJS.ReadableStream, "data");

    const whileRunning = tally.seconds();
    // Its own CPU, read the same way a moment later, less a clock tick of rounding.
    expect(whileRunning).toBeGreaterThanOrEqual(0.39);
    busy.child.kill("SIGKILL");
    await busy.exited;

    expect(processCpuSeconds(busy.pid)).toBeUndefined();
    expect(tally.seconds()).toBe(whileRunning);
    // Never more than the kernel's own tally of the children this process reaped.
    expect(tally.seconds()).toBeLessThanOrEqual(reaped.seconds() + 0.01);
  });

  it("adds up every ffmpeg of a job, the ended ones included", async () => {
    const tally = new ChildCpuTally();
    const first = loopingFfmpeg();
    tally.add(first.pid, first.exited);
    await waitFor(() => tally.seconds() > 0.3, 30_000);
    first.child.kill("SIGKILL");
    await first.exited;
    const firstSeconds = tally.seconds();

    const second = loopingFfmpeg();
    tally.add(second.pid, second.exited);
    await waitFor(() => (processCpuSeconds(second.pid) ?? 0) > 0.3, 30_000);

    const both = tally.seconds();
    expect(both).toBeGreaterThan(firstSeconds + 0.3);
    expect(both).toBeGreaterThanOrEqual(firstSeconds + (processCpuSeconds(second.pid) ?? 0) - 0.02);
  });
});

describe("SharedProcessCpu", () => {
  it("charges the process's CPU in equal parts to the shares open while it was spent", () => {
    const shared = new SharedProcessCpu();
    const a = shared.open();
    const b = shared.open();
    const [a0, b0] = [a.seconds(), b.seconds()];
    const before = process.cpuUsage();
    burn(0.2);
    const [a1, b1] = [a.seconds(), b.seconds()];
    const spent = process.cpuUsage(before);

    expect(a1 - a0).toBeGreaterThan(0.09);
    expect(a1 - a0).toBeCloseTo(b1 - b0, 2);
    expect(a1 - a0 + (b1 - b0)).toBeLessThanOrEqual((spent.user + spent.system) / 1e6 + 0.01);

    a.close();
    const aClosed = a.seconds();
    burn(0.2);
    const b2 = b.seconds();
    expect(a.seconds()).toBe(aClosed);
    // Alone now, b is charged all of it.
    expect(b2 - b1).toBeGreaterThan(0.19);
  });
});
