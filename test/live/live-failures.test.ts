/**
 * The live engine settles too when the analysis itself fails: what a detector or a listener throws ends the
 * live analysis with that error (reconnecting would fail the same way) and ffmpeg is killed, instead of an
 * exception escaping into the process.
 */
import { afterEach, describe, expect, it } from "vitest";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import { openLiveConnection } from "../../core-service/src/live/live-connection.ts";
import { probeLive } from "../../core-service/src/live/live-probe.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { isRunning } from "./live-events.ts";

const SETTLE_MS = 2000;

describe("live analysis failing from within", () => {
  let origin: LiveOrigin | undefined;
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
  });

  it("kills the connection's ffmpeg and reports the exception when the sink throws on a picture", async () => {
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 30 });
    const source = resolveSource(origin.url, { allowLocalFiles: false, live: true });
    const { media } = await probeLive(source, 5, new AbortController().signal);
    let thrownAt = 0;
    let pictures = 0;
    const connection = openLiveConnection(
      source,
      media,
      { analysisSize: { width: 160, height: 90 }, audio: true, readTimeout: 5 },
      {
        analysisFrame: () => {
          if (++pictures < 10) return;
          thrownAt = performance.now();
          throw new TypeError("detector bug");
        },
        nativeFrame: () => {},
        audio: () => {},
        evidencePicture: () => {},
        decodeError: () => {},
        segmentFailed: () => {},
      },
    );
    const end = await connection.ended;
    expect(end.failure?.error).toBeInstanceOf(TypeError);
    expect(performance.now() - thrownAt).toBeLessThan(SETTLE_MS);
    expect(isRunning(connection.pid as number)).toBe(false);
  });

  it("ends with a stats listener's exception and stops ffmpeg", async () => {
    origin = await startLiveOrigin({ protocol: "mpegts-http", duration: 30 });
    const pids: number[] = [];
    let thrownAt = 0;
    const run = analyzeLive(origin.url, {
      detectors: ["freeze", "silence"],
      onDetectorEvent: () => {},
      onProcess: ({ pid }) => pid && pids.push(pid),
      onStats: (stats) => {
        if (stats.streamTime === undefined) return;
        thrownAt = performance.now();
        throw new Error("metrics sink bug");
      },
    });
    await expect(run).rejects.toThrow("metrics sink bug");
    expect(performance.now() - thrownAt).toBeLessThan(SETTLE_MS);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });
});
