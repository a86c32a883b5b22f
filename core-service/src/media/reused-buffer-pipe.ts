/**
 * An output pipe for ffmpeg that Node reads into one reused buffer. A child_process pipe hands every read to
 * JavaScript as a new Buffer of up to 64 KB: for the ≈300 MB a minute of native-resolution luma of a 1080p
 * source, that garbage drove about twenty full garbage collections a minute and cost ≈0.2 CPU s (five
 * alternating runs of the bench clip with and without this, CPU including ffmpeg). Node reads into a buffer
 * of the caller's (net.Socket's `onread`) only on a socket it opens itself, and it cannot make an anonymous
 * pipe, so this is a named one (mkfifo) whose name is gone as soon as both ends are open: nothing is left on
 * disk, whatever happens next.
 */
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { type OnReadOpts, Socket, type SocketConstructorOpts } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FfmpegError } from "../domain/errors.ts";

/** As large as the most a pipe holds (64 KB on Linux), so one read takes whatever is there. */
const READ_BUFFER_BYTES = 1 << 16;

export interface ReusedBufferPipe {
  /** The write end, to give the child as one of its stdio fds; `releaseChildEnd` once it has been spawned. */
  readonly childEnd: number;
  /** The read end: it ends once every writer has closed, and closes after that or `destroy()`. */
  readonly reader: Socket;
  /** Closes our copy of the write end (the child has its own): the reader then ends when the child does. */
  releaseChildEnd(): void;
}

/**
 * `onData` gets each read as a view of the one buffer, which the next read overwrites: it must copy what it
 * keeps. Reading starts at once; pause and resume the reader for backpressure.
 */
export function openReusedBufferPipe(onData: (chunk: Buffer) => void): ReusedBufferPipe {
  const { readEnd, writeEnd } = openFifo();
  const buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  const onread: OnReadOpts = {
    buffer,
    callback: (bytes) => {
      onData(buffer.subarray(0, bytes));
      return true;
    },
  };
  // `onread` is a documented option of `new net.Socket()` (Node ≥ 12) that @types/node lists for connect only.
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd: readEnd,
    readable: true,
    writable: false,
    onread,
  };
  const reader = new Socket(options);
  let released = false;
  return {
    childEnd: writeEnd,
    reader,
    releaseChildEnd: () => {
      if (released) return;
      released = true;
      closeSync(writeEnd);
    },
  };
}

function openFifo(): { readEnd: number; writeEnd: number } {
  const dir = mkdtempSync(join(tmpdir(), "avmon-pipe-"));
  try {
    const path = join(dir, "fifo");
    try {
      execFileSync("mkfifo", ["-m", "600", path], { stdio: "ignore" });
    } catch (error) {
      throw new FfmpegError(
        `cannot make a pipe for ffmpeg's output (mkfifo): ${(error as Error).message}`,
        "",
      );
    }
    // Non-blocking, the read end opens without a writer; with it open, the write end opens at once too.
    const readEnd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      return { readEnd, writeEnd: openSync(path, constants.O_WRONLY) };
    } catch (error) {
      closeSync(readEnd);
      throw error;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
