/**
 * A live origin on 127.0.0.1 for the socket protocols the README offers (RTMP, SRT, UDP): ffmpeg publishes a
 * generated programme in real time (`-re`, stream copy, looped) as an RTMP server, an SRT listener, or MPEG-TS
 * sent to a UDP port. ffmpeg's RTMP and SRT listeners serve one connection and then end, while avmon connects
 * twice (its probe, then its decoder) and again on every reconnect, as a real origin's many callers would:
 * - SRT: the listener is started again whenever it ends (an SRT caller keeps knocking for 3 s, so it gets in);
 * - RTMP: a refused TCP connect fails at once, so each connection to the origin's port gets its own ffmpeg
 *   server on a private port, spliced to it.
 */
import type { ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { connect, createServer, type Socket } from "node:net";
import { expect } from "vitest";
import { analyzeLive } from "../../core-service/src/live/analyze-live.ts";
import { spawnFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { isRunning } from "../live/live-events.ts";
import { waitFor } from "../worker/worker-harness.ts";
import { makeClip } from "./test-media.ts";

export type SocketProtocol = "rtmp" | "srt" | "udp";

export interface SocketOrigin {
  readonly url: string;
  close(): Promise<void>;
}

const RETRY_MS = 50;

export async function startSocketOrigin(protocol: SocketProtocol): Promise<SocketOrigin> {
  const clip = await makeClip({
    duration: 20,
    // FLV (RTMP) carries the codecs' set-up in its header, which stream-copied MPEG-TS does not have.
    container: protocol === "rtmp" ? "mp4" : "ts",
    video: { codec: "libx264", size: "320x180", fps: "25", gop: 25 },
    audio: { codec: "aac", channels: 2 },
  });
  const publishers = new Set<ChildProcess>();
  let closed = false;
  /** One ffmpeg publishing the programme to `output`, killed when the origin closes. */
  const publish = (output: readonly string[]): ChildProcess => {
    const child = spawnFfmpeg([
      "-loglevel",
      "error",
      "-re",
      "-stream_loop",
      "-1",
      "-i",
      clip,
      "-c",
      "copy",
      ...output,
    ]);
    child.stderr?.resume();
    publishers.add(child);
    child.once("exit", () => publishers.delete(child));
    return child;
  };
  const closePublishers = async () => {
    closed = true;
    await Promise.all([...publishers].map(killAndWait));
  };
  if (protocol === "rtmp") return rtmpOrigin(publish, closePublishers);
  const host = `127.0.0.1:${await freeUdpPort()}`;
  const output = protocol === "srt" ? `srt://${host}?mode=listener` : `udp://${host}?pkt_size=1316`;
  const keepPublishing = () => {
    if (!closed) publish(["-f", "mpegts", output]).once("exit", () => setTimeout(keepPublishing, RETRY_MS));
  };
  keepPublishing();
  return { url: `${protocol}://${host}`, close: closePublishers };
}

async function rtmpOrigin(
  publish: (output: readonly string[]) => ChildProcess,
  closePublishers: () => Promise<void>,
): Promise<SocketOrigin> {
  const clients = new Set<Socket>();
  const server = createServer(async (client) => {
    // A reader that goes away resets its connection: that ends the splice, it is no error of the origin's.
    client.on("error", () => client.destroy());
    clients.add(client);
    client.once("close", () => clients.delete(client));
    const port = await freeTcpPort();
    const publisher = publish(["-f", "flv", "-listen", "1", `rtmp://127.0.0.1:${port}/live/channel1`]);
    client.once("close", () => publisher.kill("SIGKILL"));
    const upstream = await connectWhenListening(port, 10_000).catch(() => undefined);
    if (!upstream || client.destroyed) return void upstream?.destroy();
    upstream.on("error", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
    upstream.once("close", () => client.destroy());
    client.once("close", () => upstream.destroy());
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  return {
    url: `rtmp://127.0.0.1:${port}/live/channel1`,
    close: async () => {
      for (const client of clients) client.destroy();
      await new Promise((resolve) => server.close(resolve));
      await closePublishers();
    },
  };
}

/**
 * Follows the origin's stream with the live engine until pictures flow at the stream's rate, then stops it:
 * the engine must have read video and audio, and its ffmpeg must be gone within 2 s.
 */
export async function expectLiveEngineToFollow(origin: SocketOrigin): Promise<void> {
  const pids: number[] = [];
  let framesPerSecond = 0;
  const stop = new AbortController();
  const run = analyzeLive(origin.url, {
    detectors: ["freeze", "silence"],
    streamThresholds: { stallAfter: 5 },
    reconnect: { initialDelay: 0.25, factor: 2, maxDelay: 1 },
    signal: stop.signal,
    onDetectorEvent: () => undefined,
    onProcess: ({ pid }) => pid && pids.push(pid),
    onStats: (stats) => {
      framesPerSecond = stats.framesPerSecond;
    },
  });
  // Joining takes a probe, a connection to the next listener and a keyframe; more on a loaded machine.
  await waitFor(() => framesPerSecond > 15, 30_000);

  const pid = pids.at(-1) as number;
  expect(isRunning(pid)).toBe(true);
  const stoppedAt = Date.now();
  stop.abort();
  const summary = await run;
  await waitFor(() => !isRunning(pid), 2_000);
  expect(Date.now() - stoppedAt).toBeLessThan(2_000);
  expect(summary.endReason).toBe("aborted");
  expect(summary.videoFrames).toBeGreaterThan(15);
  expect(summary.audioSeconds).toBeGreaterThan(0.5);
}

/** Connects to a loopback port as soon as something listens there. */
async function connectWhenListening(port: number, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.off("error", reject);
          resolve(socket);
        });
        socket.once("error", reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

function killAndWait(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  return exited;
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
