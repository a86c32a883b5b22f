/**
 * "Never hang, never crash": whatever goes wrong inside an analysis, the call settles within two seconds of the
 * fault with a typed error, and no ffprobe or ffmpeg is left running. Each source is a copy under a unique
 * temporary path, so `pgrep` finds exactly the processes a test started.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FfmpegError, LimitReachedError, StalledError } from "../../core-service/src/domain/errors.ts";
import { type AnalysisLimits, DEFAULT_ANALYSIS_LIMITS } from "../../core-service/src/domain/limits.ts";
import { type DecodePlan, type DecodeSink, decode } from "../../core-service/src/media/decoder.ts";
import { type MediaInfo, probeSource } from "../../core-service/src/media/probe.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";
import { CORPUS } from "../support/accuracy-corpus.ts";
import {
  faultClip,
  processesMatching,
  SETTLE_MS,
  STALL_AFTER_START_SECONDS,
  silentFifo,
  uniqueCopy,
  waitForProcess,
} from "../support/fault-injection.ts";
import { decodeBomb, growingPictures, undeclaredDuration } from "../support/hostile-media.ts";
import { makeClip } from "../support/test-media.ts";

const dir = mkdtempSync(join(tmpdir(), "avmon-invariant-"));
let clip: string;

beforeAll(async () => {
  clip = await faultClip();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function limits(overrides: Partial<AnalysisLimits>): AnalysisLimits {
  return { ...DEFAULT_ANALYSIS_LIMITS, ...overrides };
}

const PLAN: DecodePlan = {
  analysisSize: { width: 160, height: 90 },
  nativeFramesPerSecond: 5,
  audio: true,
  threads: 1,
};

async function probed(path: string): Promise<{ source: ReturnType<typeof resolveSource>; media: MediaInfo }> {
  const source = resolveSource(path, { allowLocalFiles: true });
  return { source, media: await probeSource(source) };
}

/** Resolves with what `work` rejected with and when (performance.now()); fails the test if it resolves. */
async function rejection(work: Promise<unknown>): Promise<{ error: unknown; at: number }> {
  try {
    await work;
  } catch (error) {
    return { error, at: performance.now() };
  }
  throw new Error("expected the analysis to fail, but it succeeded");
}

/** A promise that the sink can resolve with `release()` — or never. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release = () => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/**
 * A sink that holds decoding at its `n`th picture until `release()`. `held(decoding)` resolves once decoding is
 * held there, and fails the test when the decode ended first (a fault injected then would prove nothing).
 */
function holdAtFrame(n: number) {
  const gated = gate();
  let reach = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  let frames = 0;
  return {
    analysisFrame: () => {
      if (++frames !== n) return undefined;
      reach();
      return gated.promise;
    },
    release: gated.release,
    held: (decoding: Promise<unknown>) =>
      Promise.race([
        reached,
        decoding.then(
          () => Promise.reject(new Error("the decode ended before its fault was injected")),
          (error) => Promise.reject(new Error(`the decode ended before its fault was injected: ${error}`)),
        ),
      ]),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("a decode settles and leaves no ffmpeg behind", () => {
  it("rejects with a detector's exception thrown on a frame", async () => {
    const path = uniqueCopy(dir, clip);
    const { source, media } = await probed(path);
    let thrownAt = 0;
    let frames = 0;
    const sink: DecodeSink = {
      analysisFrame: () => {
        if (++frames < 30) return;
        thrownAt = performance.now();
        throw new TypeError("layout.trim is not a function");
      },
    };
    const { error, at } = await rejection(decode(source, media, PLAN, sink));
    expect(error).toBeInstanceOf(TypeError);
    expect(at - thrownAt).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("rejects with a detector's rejection while decoding is held back by backpressure", async () => {
    const path = uniqueCopy(dir, clip);
    const { source, media } = await probed(path);
    let rejectedAt = 0;
    let frames = 0;
    const sink: DecodeSink = {
      // Every frame holds ffmpeg back a little; the 20th fails while the pipes are paused.
      analysisFrame: async () => {
        await sleep(5);
        if (++frames === 20) {
          rejectedAt = performance.now();
          throw new Error("the bus refused the event");
        }
      },
    };
    const { error, at } = await rejection(decode(source, media, PLAN, sink));
    expect(error).toMatchObject({ message: "the bus refused the event" });
    expect(at - rejectedAt).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("rejects with a complaint handler's exception (the decoder's stderr)", async () => {
    const damaged = CORPUS.find((c) => c.name === "h264-ts-damaged-packets");
    if (!damaged) throw new Error("the accuracy corpus has no h264-ts-damaged-packets clip");
    const path = uniqueCopy(dir, await makeClip(damaged.spec));
    const { source, media } = await probed(path);
    let thrownAt = 0;
    const sink: DecodeSink = {
      decodeError: () => {
        thrownAt = performance.now();
        throw new RangeError("complaint out of range");
      },
    };
    const { error, at } = await rejection(decode(source, media, PLAN, sink));
    expect(error).toBeInstanceOf(RangeError);
    expect(at - thrownAt).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("keeps decoding a slow consumer to the end without deadlock, and loses nothing", async () => {
    const path = uniqueCopy(dir, clip);
    const { source, media } = await probed(path);
    const count = { fast: 0, slow: 0 };
    await decode(source, media, PLAN, {
      analysisFrame: () => {
        count.fast++;
      },
    });
    const result = await decode(source, media, PLAN, {
      analysisFrame: async () => {
        count.slow++;
        await sleep(2);
      },
      audio: () => sleep(1),
    });
    expect(count.slow).toBe(count.fast);
    expect(result.videoFrames).toBe(500);
    expect(result.audioSeconds).toBeGreaterThan(19.9);
  });

  for (const signal of ["SIGKILL", "SIGSEGV"] as const) {
    it(`rejects as an ffmpeg failure when ffmpeg dies of ${signal} mid-decode`, async () => {
      const path = uniqueCopy(dir, clip);
      const { source, media } = await probed(path);
      // The first frames go through, then the consumer holds decoding until the test has killed ffmpeg.
      const hold = holdAtFrame(10);
      const decoding = decode(source, media, PLAN, { analysisFrame: hold.analysisFrame });
      const pid = await waitForProcess([`file:${path}`, "-filter_complex"]);
      await hold.held(decoding);
      const killedAt = performance.now();
      process.kill(pid, signal);
      hold.release();
      const { error, at } = await rejection(decoding);
      expect(error).toBeInstanceOf(FfmpegError);
      expect((error as Error).message).toMatch(new RegExp(`ffmpeg died \\(${signal}\\)`));
      expect(at - killedAt).toBeLessThan(SETTLE_MS);
      expect(processesMatching(path)).toBe("");
    });
  }

  it("ends as stalled when ffmpeg stops making progress (SIGSTOP), and kills it", async () => {
    const path = uniqueCopy(dir, clip);
    const { source, media } = await probed(path);
    // Decoding waits at the 10th frame until ffmpeg is stopped, so it cannot finish first.
    const hold = holdAtFrame(10);
    const decoding = decode(
      source,
      media,
      PLAN,
      { analysisFrame: hold.analysisFrame },
      { limits: limits({ stallSeconds: STALL_AFTER_START_SECONDS }) },
    );
    const pid = await waitForProcess([`file:${path}`, "-filter_complex"]);
    await hold.held(decoding);
    process.kill(pid, "SIGSTOP");
    const stoppedAt = performance.now();
    hold.release();
    const { error, at } = await rejection(decoding);
    expect(error).toBeInstanceOf(StalledError);
    expect((error as Error).message).toMatch(
      /no picture or audio sample decoded for 3 s \(AVMON_STALL_SECONDS\)$/,
    );
    expect(at - stoppedAt).toBeLessThan(STALL_AFTER_START_SECONDS * 1000 + SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("ends as stalled when the source never delivers a byte", async () => {
    const fifo = silentFifo(dir, "never.ts");
    const media: MediaInfo = {
      formatName: "mpegts",
      duration: undefined,
      video: {
        ...{ index: 0, codec: "h264", width: 160, height: 90, fps: 25, fpsRational: "25/1" },
        ...{ offset: 0, range: "limited", bitDepth: 8 },
      },
      audio: undefined,
      audioTracks: [],
    };
    const started = performance.now();
    const decoding = decode(
      resolveSource(fifo, { allowLocalFiles: true }),
      media,
      PLAN,
      {},
      {
        limits: limits({ stallSeconds: 1 }),
      },
    );
    const { error, at } = await rejection(decoding);
    expect(error).toBeInstanceOf(StalledError);
    expect(at - started).toBeLessThan(1000 + SETTLE_MS);
    expect(processesMatching(fifo)).toBe("");
  });

  it("ends as stalled when the consumer never lets decoding go on, and says so", async () => {
    const path = uniqueCopy(dir, clip);
    const { source, media } = await probed(path);
    let heldAt = 0;
    const decoding = decode(
      source,
      media,
      PLAN,
      {
        analysisFrame: () => {
          heldAt ||= performance.now();
          return new Promise<void>(() => {});
        },
      },
      { limits: limits({ stallSeconds: STALL_AFTER_START_SECONDS }) },
    );
    const { error, at } = await rejection(decoding);
    expect(error).toBeInstanceOf(StalledError);
    expect((error as Error).message).toMatch(/waiting on the analysis itself/);
    expect(at - heldAt).toBeLessThan(STALL_AFTER_START_SECONDS * 1000 + SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("stops as soon as the caller aborts", async () => {
    const path = uniqueCopy(dir, clip);
    const { source, media } = await probed(path);
    const controller = new AbortController();
    let abortedAt = 0;
    let frames = 0;
    const decoding = decode(
      source,
      media,
      PLAN,
      {
        analysisFrame: async () => {
          if (++frames !== 10) return;
          abortedAt = performance.now();
          controller.abort();
          await sleep(50);
        },
      },
      { signal: controller.signal },
    );
    const { error, at } = await rejection(decoding);
    expect(error).toMatchObject({ code: "ABORTED" });
    expect(at - abortedAt).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });
});

describe("an analysis settles within its limits and leaves no process behind", () => {
  it("ends as stalled when ffprobe gets no answer for the stall period", async () => {
    const fifo = silentFifo(dir, "silent.mp4");
    const started = performance.now();
    const { error, at } = await rejection(
      analyzeSource(fifo, { allowLocalFiles: true, limits: limits({ stallSeconds: 1 }) }),
    );
    expect(error).toBeInstanceOf(StalledError);
    expect(at - started).toBeLessThan(1000 + SETTLE_MS);
    expect(processesMatching(fifo)).toBe("");
  });

  it("rejects with the event listener's exception and kills ffmpeg", async () => {
    const path = uniqueCopy(dir, clip);
    let thrownAt = 0;
    const { error, at } = await rejection(
      analyzeSource(path, {
        allowLocalFiles: true,
        onDetectorEvent: () => {
          thrownAt = performance.now();
          throw new Error("listener bug");
        },
      }),
    );
    expect(error).toMatchObject({ message: "listener bug" });
    expect(at - thrownAt).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("ends as LIMIT_REACHED when the wall-clock budget runs out, naming the settings", async () => {
    const path = uniqueCopy(dir, clip);
    const started = performance.now();
    const budgetSeconds = 1.5;
    const analysis = analyzeSource(path, {
      allowLocalFiles: true,
      // 0.001 × 20 s + 1.48 s = 1.5 s, far less than the stall period.
      limits: limits({ wallClockFactor: 0.001, wallClockBaseSeconds: 1.48, stallSeconds: 60 }),
      // The event listener never answers (a bus that hangs): decoding is held back from the first defect on.
      onDetectorEvent: () => new Promise<void>(() => {}),
    });
    const { error, at } = await rejection(analysis);
    expect(error).toBeInstanceOf(LimitReachedError);
    expect((error as Error).message).toMatch(
      /wall-clock budget of 1\.5 s \(AVMON_WALL_CLOCK_FACTOR × the media duration \+ AVMON_WALL_CLOCK_BASE_SECONDS\)/,
    );
    expect(at - (started + budgetSeconds * 1000)).toBeLessThan(SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("refuses before decoding a source whose declared duration is over the media-duration cap", async () => {
    const path = uniqueCopy(dir, clip);
    const { error } = await rejection(
      analyzeSource(path, { allowLocalFiles: true, limits: limits({ maxMediaSeconds: 10 }) }),
    );
    expect(error).toBeInstanceOf(LimitReachedError);
    expect((error as Error).message).toMatch(
      /declared duration \(20\.0 s\) is over the media-duration cap of 10 s \(AVMON_MAX_MEDIA_SECONDS\)/,
    );
    expect(processesMatching(path)).toBe("");
  });

  it("stops a source that declares no duration once the decoded media passes the cap", async () => {
    const path = uniqueCopy(dir, await undeclaredDuration(8));
    const { error } = await rejection(
      analyzeSource(path, { allowLocalFiles: true, limits: limits({ maxMediaSeconds: 2 }) }),
    );
    expect(error).toBeInstanceOf(LimitReachedError);
    expect((error as Error).message).toMatch(/decoded so far passed the media-duration cap of 2 s/);
    expect(processesMatching(path)).toBe("");
  });

  it("refuses a decode bomb from its probed picture size, before decoding a picture", async () => {
    const path = uniqueCopy(dir, await decodeBomb());
    const started = performance.now();
    const { error, at } = await rejection(analyzeSource(path, { allowLocalFiles: true }));
    expect(error).toBeInstanceOf(LimitReachedError);
    expect((error as Error).message).toMatch(
      /pictures of 8192×8192 \(67108864 pixels\) are over the decode budget of 35389440 pixels \(AVMON_MAX_PIXELS\)/,
    );
    // The probe's time alone (Debian's ffprobe takes over a second to start on a loaded machine); decoding even
    // one 8192×8192 picture would take far longer.
    expect(at - started).toBeLessThan(3 * SETTLE_MS);
    expect(processesMatching(path)).toBe("");
  });

  it("has ffmpeg refuse pictures that grow past the budget mid-stream", async () => {
    const path = uniqueCopy(dir, await growingPictures());
    const { error } = await rejection(analyzeSource(path, { allowLocalFiles: true }));
    expect(error).toBeInstanceOf(LimitReachedError);
    expect((error as Error).message).toMatch(/pictures of 8192×8192 .* \(AVMON_MAX_PIXELS\)/);
    expect(processesMatching(path)).toBe("");
  });
});
