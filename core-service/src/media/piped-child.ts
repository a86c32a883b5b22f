/**
 * One ffmpeg and the handlers of its output pipes, with every way it can go wrong funnelled to one place: a
 * handler that throws, a hold (backpressure) that rejects, a pipe that errors, ffmpeg failing to start, or
 * `fail()` from outside (abort, watchdog, a limit). Each kills ffmpeg (SIGKILL) and destroys its pipes, and the
 * first failure is what `ended` reports. Shared by file decoding (with backpressure) and live connections.
 *
 * Why the pipes are destroyed: a pipe paused by backpressure keeps its data, so the child's 'close' never
 * comes, and an exception thrown from a 'data' handler used to leave ffmpeg blocked on a full pipe for ever.
 */
import type { ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { FfmpegError } from "../domain/errors.ts";
import { readStderrLines, spawnFfmpeg } from "./ffmpeg.ts";
import { openReusedBufferPipe, type ReusedBufferPipe } from "./reused-buffer-pipe.ts";

export interface PipeReader {
  /** The child's fd: 1 (stdout) or 3 and above. */
  readonly fd: number;
  readonly onData: (chunk: Buffer) => void;
  /**
   * Each chunk is a view of one buffer that the next read overwrites, so `onData` must copy what it keeps; in
   * return a read makes no garbage (reused-buffer-pipe.ts). For the big raw-picture outputs.
   */
  readonly reusesBuffer?: boolean;
}

export interface StderrReader {
  readonly onLine: (line: string) => void;
  /** Lines handed on but kept out of the stderr tail used in error messages (frame markers). */
  readonly isMachineOutput?: (line: string) => boolean;
  /** stderr has ended (ffmpeg has gone or closed it); after its last line. */
  readonly onEnd?: () => void;
}

export interface ChildEnd {
  readonly code: number | null;
  /** The signal ffmpeg died of (ours when there is a failure; else it crashed or someone else killed it). */
  readonly signal: NodeJS.Signals | null;
  /** The first failure, when there was one; ffmpeg was killed for it. */
  readonly failure: { readonly error: unknown } | undefined;
  readonly stderrTail: string;
}

export class PipedChild {
  /** Settles once, after ffmpeg has exited and its pipes are closed; never rejects. */
  readonly ended: Promise<ChildEnd>;
  readonly #child: ChildProcess;
  readonly #pipes: Readable[] = [];
  #failure: { error: unknown } | undefined;
  #holds = 0;

  constructor(
    args: readonly string[],
    pipes: readonly PipeReader[],
    stderr: StderrReader,
    options: { readonly stdin?: boolean } = {},
  ) {
    const extraPipes = Math.max(0, ...pipes.map((p) => p.fd - 2));
    const reused = new Map<number, ReusedBufferPipe>();
    try {
      for (const { fd, onData, reusesBuffer } of pipes)
        if (reusesBuffer) reused.set(fd, openReusedBufferPipe(this.#guarded(onData)));
      const outputFds = new Map([...reused].map(([fd, pipe]) => [fd, pipe.childEnd]));
      this.#child = spawnFfmpeg(args, { extraPipes, stdin: options.stdin, outputFds });
    } catch (error) {
      for (const pipe of reused.values()) pipe.reader.destroy();
      throw error;
    } finally {
      // The child has its copies now (or never will): our reads end when its writes do.
      for (const pipe of reused.values()) pipe.releaseChildEnd();
    }
    // A child killed while being written to makes its stdin fail (EPIPE): that is the end, not a failure.
    this.#child.stdin?.on("error", () => {});
    const stdio = this.#child.stdio as unknown as (Readable | null)[];
    for (const { fd, onData } of pipes) {
      const pipe = reused.get(fd)?.reader ?? stdio[fd];
      if (!pipe) throw new Error(`ffmpeg has no pipe on fd ${fd}`);
      if (!reused.has(fd)) pipe.on("data", this.#guarded(onData));
      pipe.on("error", (error) =>
        this.fail(new FfmpegError(`reading ffmpeg's fd ${fd}: ${error.message}`, "")),
      );
      this.#pipes.push(pipe);
    }
    // Pipes nobody reads would fill up and block ffmpeg: drain them.
    for (const [fd, pipe] of stdio.entries())
      if (pipe && fd !== 2 && !pipes.some((p) => p.fd === fd)) pipe.resume();
    const tail = readStderrLines(this.#child, this.#guarded(stderr.onLine), stderr.isMachineOutput);
    const onEnd = stderr.onEnd;
    if (onEnd)
      this.#child.stderr?.once(
        "end",
        this.#guarded(() => onEnd()),
      );
    this.#child.once("error", (error) =>
      this.fail(new FfmpegError(`cannot run ffmpeg: ${error.message}`, "", { cause: error })),
    );
    // The child's 'close' waits for the pipes child_process made; the reused-buffer ones are waited for here.
    const readersClosed = Promise.all(
      [...reused.values()].map(({ reader }) => new Promise((closed) => reader.once("close", closed))),
    );
    this.ended = new Promise((resolve) => {
      this.#child.once("close", (code, signal) =>
        readersClosed.then(() =>
          resolve({ code, signal, failure: this.#failure, stderrTail: tail.toString() }),
        ),
      );
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The child's input, when it was spawned with `stdin`; undefined once it has gone. */
  get stdin(): Writable | undefined {
    const stdin = this.#child.stdin;
    return stdin && !stdin.destroyed && !this.#failure ? stdin : undefined;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Whether some pending work holds the pipes paused. */
  get holding(): boolean {
    return this.#holds > 0;
  }

  /** Pauses every pipe until `pending` settles (ffmpeg blocks on the first full one); a rejection is a failure. */
  hold(pending: Promise<void>): void {
    if (this.#holds++ === 0) for (const pipe of this.#pipes) pipe.pause();
    pending
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        if (--this.#holds === 0 && !this.#failure) for (const pipe of this.#pipes) pipe.resume();
      });
  }

  /** Records the first failure, kills ffmpeg and lets go of its pipes; what arrives afterwards is ignored. */
  fail(error: unknown): void {
    if (this.#failure) return;
    this.#failure = { error };
    this.stop();
  }

  /** Kills ffmpeg without calling it a failure (a live connection being replaced). */
  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
    this.#child.stdin?.destroy();
    // stderr is never paused, so it ends by itself once ffmpeg is gone (and keeps its tail for messages).
    for (const pipe of this.#pipes) pipe.destroy();
  }

  /** A handler whose exception becomes the failure, and which stops being called after one. */
  #guarded<T>(handler: (value: T) => void): (value: T) => void {
    return (value) => {
      if (this.#failure) return;
      try {
        handler(value);
      } catch (error) {
        this.fail(error);
      }
    };
  }
}
