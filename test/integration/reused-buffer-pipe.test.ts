/**
 * ffmpeg's big picture outputs are read into one reused buffer through a named pipe (reused-buffer-pipe.ts):
 * every byte arrives in order, through backpressure, whatever the ending, and nothing is left behind — no fd,
 * no name in the temp directory, no ffmpeg.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { PipedChild, type PipeReader } from "../../core-service/src/media/piped-child.ts";

/** The same raw grey pictures on two outputs: fd 1 (a child_process pipe) and fd 4. */
function twoCopies(seconds: number): string[] {
  const copy = ["-f", "rawvideo", "-pix_fmt", "gray"];
  return [
    ["-f", "lavfi", "-i", `testsrc2=size=640x360:rate=30:duration=${seconds}`],
    [...copy, "pipe:1", ...copy, "pipe:4"],
  ].flat();
}

class Digest {
  readonly hash = createHash("sha256");
  bytes = 0;
  add(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

function fifosLeft(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith("avmon-pipe-"));
}

function start(seconds: number, onReused: (chunk: Buffer) => void, plain: PipeReader["onData"]) {
  return new PipedChild(
    twoCopies(seconds),
    [
      { fd: 1, onData: plain },
      { fd: 4, reusesBuffer: true, onData: onReused },
    ],
    { onLine: () => {} },
  );
}

describe("an output read into a reused buffer", () => {
  it("delivers exactly the bytes of a plain pipe, in order, and leaves no fd or pipe name behind", async () => {
    const fdsBefore = openFds();
    const reused = new Digest();
    const plain = new Digest();
    const seen = new Set<ArrayBufferLike>();
    const child = start(
      4,
      (chunk) => {
        seen.add(chunk.buffer);
        reused.add(chunk);
      },
      (chunk) => plain.add(chunk),
    );
    const end = await child.ended;
    expect(end.failure).toBeUndefined();
    expect(end.code).toBe(0);
    expect(reused.bytes).toBe(640 * 360 * 120);
    expect(reused.hash.digest("hex")).toBe(plain.hash.digest("hex"));
    // One buffer for every read: that is the point.
    expect(seen.size).toBe(1);
    expect(openFds()).toBe(fdsBefore);
    expect(fifosLeft()).toEqual([]);
  });

  it("holds ffmpeg back while work is pending and loses nothing", async () => {
    const reused = new Digest();
    const plain = new Digest();
    let reads = 0;
    const child: PipedChild = start(
      3,
      (chunk) => {
        reused.add(chunk);
        if (++reads % 20 === 0) child.hold(sleep(15));
      },
      (chunk) => plain.add(chunk),
    );
    const end = await child.ended;
    expect(end.failure).toBeUndefined();
    expect(reads).toBeGreaterThan(20);
    expect(reused.bytes).toBe(640 * 360 * 90);
    expect(reused.hash.digest("hex")).toBe(plain.hash.digest("hex"));
  });

  it("settles, with the reader closed, when the handler throws mid-stream", async () => {
    const fdsBefore = openFds();
    let reads = 0;
    const child = start(
      30,
      () => {
        if (++reads === 10) throw new Error("handler broke");
      },
      () => {},
    );
    const end = await child.ended;
    expect(end.failure?.error).toEqual(new Error("handler broke"));
    expect(end.signal).toBe("SIGKILL");
    expect(openFds()).toBe(fdsBefore);
  });

  it("settles when ffmpeg cannot start, and closes both ends", async () => {
    const fdsBefore = openFds();
    const child = new PipedChild(
      ["-f", "lavfi", "-i", "no_such_filter", "-f", "rawvideo", "pipe:4"],
      [{ fd: 4, reusesBuffer: true, onData: () => {} }],
      { onLine: () => {} },
    );
    const end = await child.ended;
    expect(end.code).not.toBe(0);
    expect(openFds()).toBe(fdsBefore);
    expect(fifosLeft()).toEqual([]);
  });
});
