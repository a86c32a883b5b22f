/**
 * The decode budget holds for live streams as for files: the probe and every connection pass `-max_pixels`, so a
 * stream of enormous pictures is refused before one is decoded, and pictures over the budget that reach a
 * connection all the same (they grew, or the stream changed, after the probe) end it. Either ends it as LIMIT_REACHED (the stream would be just as large after a reconnect), with
 * ffmpeg gone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LimitReachedError } from "../../core-service/src/domain/errors.ts";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import { openLiveConnection } from "../../core-service/src/live/live-connection.ts";
import { probeSource } from "../../core-service/src/media/probe.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { faultClip } from "../support/fault-injection.ts";
import { decodeBomb } from "../support/hostile-media.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import { isRunning } from "./live-events.ts";

describe("a live stream over the decode budget", () => {
  let origin: LiveOrigin | undefined;
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
  });

  it("is refused from the probe as LIMIT_REACHED, without opening a connection", async () => {
    origin = await startLiveOrigin({
      protocol: "mpegts-http",
      duration: 1,
      clip: await decodeBomb(),
      loop: true,
    });
    const pids: number[] = [];
    const run = analyzeLive(origin.url, {
      detectors: ["black", "blockiness"],
      onDetectorEvent: () => {},
      onProcess: ({ pid }) => pid && pids.push(pid),
    });
    await expect(run).rejects.toBeInstanceOf(LimitReachedError);
    await expect(run).rejects.toThrow(/8192×8192 .* over the decode budget .*AVMON_MAX_PIXELS/);
    // Refused from the probe (the first that saw a picture: Debian's ffmpeg may join the stream a probe later).
    expect(pids).toEqual([]);
  });

  it("ends a connection as LIMIT_REACHED when the pictures are over the budget though the probe saw small ones", async () => {
    // The stream changed after the probe (or its pictures grew midway): the connection's ffmpeg refuses them.
    const small = await probeSource(resolveSource(await faultClip(), { allowLocalFiles: true }));
    const bomb = resolveSource(await decodeBomb(), { allowLocalFiles: true });
    const connection = openLiveConnection(
      { ...bomb, kind: "url", input: `file:${bomb.input.replace(/^file:/, "")}` },
      small,
      { analysisSize: { width: 160, height: 90 }, audio: false, readTimeout: 5 },
      {
        analysisFrame: () => {},
        nativeFrame: () => {},
        audio: () => {},
        decodeError: () => {},
        segmentFailed: () => {},
        evidencePicture: () => {},
      },
    );
    const end = await connection.ended;
    expect(end.failure?.error).toBeInstanceOf(LimitReachedError);
    expect(String(end.failure?.error)).toMatch(/8192×8192 .* over the decode budget/);
    expect(isRunning(connection.pid as number)).toBe(false);
  });
});
