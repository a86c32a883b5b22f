/**
 * Live RTMP and UDP, end to end on 127.0.0.1: the live engine follows a real ffmpeg origin and stops cleanly.
 * SRT needs libsrt, which the bundled ffmpeg lacks: test/production-ffmpeg/live-srt.test.ts follows it on
 * Debian's 5.1.
 */
import { afterEach, describe, it } from "vitest";
import { expectLiveEngineToFollow, type SocketOrigin, startSocketOrigin } from "../support/socket-origin.ts";

describe("live streams over sockets", () => {
  let origin: SocketOrigin | undefined;
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
  });

  it.each(["rtmp", "udp"] as const)(
    "follows a live %s stream from 127.0.0.1 and stops its ffmpeg within 2 s",
    async (protocol) => {
      origin = await startSocketOrigin(protocol);
      await expectLiveEngineToFollow(origin);
    },
    60_000,
  );
});
