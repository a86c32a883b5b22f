/** Live SRT end to end on Debian's ffmpeg 5.1 (the bundled build has no libsrt): followed, then stopped. */
import { afterEach, describe, it } from "vitest";
import { expectLiveEngineToFollow, type SocketOrigin, startSocketOrigin } from "../support/socket-origin.ts";

describe("live streams over SRT", () => {
  let origin: SocketOrigin | undefined;
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
  });

  it("follows a live srt stream from 127.0.0.1 and stops its ffmpeg within 2 s", async () => {
    origin = await startSocketOrigin("srt");
    await expectLiveEngineToFollow(origin);
  }, 60_000);
});
