import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AbortedError, StalledError } from "../../core-service/src/domain/errors.ts";
import { probeSource } from "../../core-service/src/media/probe.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { runEncoder } from "../support/encoder-threads.ts";
import { processesMatching, silentFifo } from "../support/fault-injection.ts";

const dir = mkdtempSync(join(tmpdir(), "avmon-probe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("probe", () => {
  it("reads a 5.1 AAC MP4's layout and channel count", async () => {
    const path = join(dir, "surround.mp4");
    await runEncoder([
      ...["-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2"],
      ...["-f", "lavfi", "-i", "sine=f=440:d=2", "-filter_complex"],
      "[1:a]pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0[a]",
      ...["-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-c:a", "aac", path],
    ]);
    const media = await probeSource(resolveSource(path, { allowLocalFiles: true }));
    expect(media.audio).toMatchObject({ codec: "aac", channels: 6, channelLayout: "5.1" });
    expect(media.video).toMatchObject({ codec: "h264", width: 320, height: 180 });
  });

  it("stops at once when aborted while the source gives nothing, and leaves no ffprobe behind", async () => {
    const fifo = silentFifo(dir, "abort.ts");
    const controller = new AbortController();
    const probing = probeSource(resolveSource(fifo, { allowLocalFiles: true }), {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const abortedAt = performance.now();
    controller.abort();
    await expect(probing).rejects.toBeInstanceOf(AbortedError);
    expect(performance.now() - abortedAt).toBeLessThan(2000);
    expect(processesMatching(fifo)).toBe("");
  });

  it("gives up as stalled after its timeout and leaves no process behind", async () => {
    const fifo = silentFifo(dir, "timeout.mp4");
    const started = performance.now();
    const probing = probeSource(resolveSource(fifo, { allowLocalFiles: true }), { timeoutSeconds: 1 });
    await expect(probing).rejects.toBeInstanceOf(StalledError);
    await expect(probing).rejects.toThrow(/no answer within 1 s/);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(processesMatching(fifo)).toBe("");
  });
});
