/**
 * The one place that knows how to find and run ffmpeg/ffprobe. Everything else asks this module, so the
 * binaries (or the wrapper) can be replaced in one file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, chmodSync, constants } from "node:fs";
import { createRequire } from "node:module";
import {
  AbortedError,
  type AvmonError,
  abortError,
  FfmpegError,
  InvalidSourceError,
  SourceUnreachableError,
  StalledError,
  UnsupportedMediaError,
} from "../domain/errors.ts";
import { pictureTooLarge } from "../domain/limits.ts";

const require = createRequire(import.meta.url);

export interface FfmpegBinaries {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** Where each path came from: its environment variable, or the npm package that bundles it. */
  readonly origin: { readonly ffmpeg: BinaryOrigin; readonly ffprobe: BinaryOrigin };
}

export type BinaryOrigin = "FFMPEG_PATH" | "FFPROBE_PATH" | "bundled";

let resolved: FfmpegBinaries | undefined;

/** FFMPEG_PATH / FFPROBE_PATH when set, else the binaries shipped by the npm installer packages. */
export function ffmpegBinaries(): FfmpegBinaries {
  resolved ??= {
    ffmpeg: process.env.FFMPEG_PATH || bundledBinary("ffmpeg"),
    ffprobe: process.env.FFPROBE_PATH || bundledBinary("ffprobe"),
    origin: {
      ffmpeg: process.env.FFMPEG_PATH ? "FFMPEG_PATH" : "bundled",
      ffprobe: process.env.FFPROBE_PATH ? "FFPROBE_PATH" : "bundled",
    },
  };
  return resolved;
}

/** The binary an npm installer package ships (`@ffmpeg-installer/ffmpeg`, `@ffprobe-installer/ffprobe`). */
export function bundledBinary(tool: "ffmpeg" | "ffprobe"): string {
  return packagedBinary(`@${tool}-installer/${tool}`);
}

function packagedBinary(pkg: string): string {
  const path = (require(pkg) as { path: string }).path;
  // npm may skip the packages' own `chmod u+x` install script; make the binary runnable ourselves.
  try {
    accessSync(path, constants.X_OK);
  } catch {
    chmodSync(path, 0o755);
  }
  return path;
}

const STDERR_TAIL_BYTES = 4096;

/** Keeps the last few KB of a child's stderr, for error messages. */
export class StderrTail {
  private text = "";
  append(chunk: string): void {
    this.text = (this.text + chunk).slice(-STDERR_TAIL_BYTES);
  }
  toString(): string {
    return this.text;
  }
  lastLines(n: number): string {
    return this.text.trim().split("\n").slice(-n).join("\n");
  }
}

/**
 * Hands each complete stderr line of a child to `onLine` as it arrives and keeps the tail for error messages;
 * lines that `isMachineOutput` recognises (such as frame markers) are handed on but kept out of the tail.
 */
export function readStderrLines(
  child: ChildProcess,
  onLine: (line: string) => void,
  isMachineOutput: (line: string) => boolean = () => false,
): StderrTail {
  const tail = new StderrTail();
  let partial = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!isMachineOutput(line)) tail.append(`${line}\n`);
      onLine(line);
    }
  });
  child.stderr?.once("end", () => {
    if (partial) tail.append(partial);
  });
  return tail;
}

export interface SpawnOptions {
  readonly signal?: AbortSignal;
  /** Number of extra output pipes (fd 3, 4, …) beyond stdout. */
  readonly extraPipes?: number;
  /** Give the child a stdin pipe to write its input to (`-i pipe:0`); otherwise stdin is closed. */
  readonly stdin?: boolean;
  /** Output fds (1, 3, …) given one of ours (reused-buffer-pipe.ts) instead of a new pipe. */
  readonly outputFds?: ReadonlyMap<number, number>;
}

/** Spawns ffmpeg with an argument array (never a shell string); kills it when `signal` aborts. */
export function spawnFfmpeg(args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawnKillable(ffmpegBinaries().ffmpeg, ["-hide_banner", "-nostdin", ...args], options);
}

/** Spawns ffprobe the same way. */
export function spawnFfprobe(args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawnKillable(ffmpegBinaries().ffprobe, ["-hide_banner", ...args], options);
}

/** Every ffmpeg/ffprobe this process started that has not ended yet. */
const running = new Set<ChildProcess>();

/**
 * Kills (SIGKILL) every ffmpeg/ffprobe still running: the last resort of a process that is about to exit, so
 * that no child outlives it whatever went wrong. Returns how many were killed.
 */
export function killRunningChildren(): number {
  const count = running.size;
  for (const child of running) child.kill("SIGKILL");
  return count;
}

function spawnKillable(binary: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const output = (fd: number) => options.outputFds?.get(fd) ?? ("pipe" as const);
  const extra = Array.from({ length: options.extraPipes ?? 0 }, (_, i) => output(3 + i));
  const child = spawn(binary, args, {
    stdio: [options.stdin ? "pipe" : "ignore", output(1), "pipe", ...extra],
  });
  running.add(child);
  // 'close' comes after 'exit', and also after a spawn 'error' (when 'exit' may not).
  child.once("exit", () => running.delete(child));
  child.once("close", () => running.delete(child));
  const { signal } = options;
  if (signal) {
    const kill = () => child.kill("SIGKILL");
    if (signal.aborted) kill();
    else signal.addEventListener("abort", kill, { once: true });
    child.once("exit", () => signal.removeEventListener("abort", kill));
  }
  return child;
}

export interface ChildOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  /** The signal that ended the child on its own (a crash), not one we sent. */
  readonly crashSignal: NodeJS.Signals | null;
}

/**
 * Waits for a spawned ffmpeg/ffprobe to end, collecting its output. Settles exactly once: with the outcome, or
 * with `abortError(signal)` when `signal` aborts, or with StalledError after `timeoutSeconds` — the child is killed
 * (SIGKILL) in both cases before the promise settles.
 */
export function collectChild(
  child: ChildProcess,
  options: { signal?: AbortSignal; timeoutSeconds?: number; what: string },
): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let settled: Error | undefined;
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr = (stderr + d).slice(-64 * 1024);
    });
    const stop = (error: Error) => {
      settled ??= error;
      child.kill("SIGKILL");
    };
    const { signal } = options;
    const onAbort = () => signal && stop(abortError(signal, options.what));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const timer =
      options.timeoutSeconds === undefined
        ? undefined
        : setTimeout(
            () => stop(new StalledError(`${options.what}: no answer within ${options.timeoutSeconds} s`)),
            options.timeoutSeconds * 1000,
          );
    child.once("error", (error) =>
      stop(new FfmpegError(`cannot run ${options.what}: ${error.message}`, "", { cause: error })),
    );
    child.once("close", (code, crashSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (settled) reject(settled);
      else resolve({ stdout, stderr, code, crashSignal });
    });
  });
}

/** Runs ffmpeg to its end, collecting stderr; rejects with a typed error naming the cause. */
export function runFfmpeg(
  args: readonly string[],
  options: { signal?: AbortSignal; source?: string } = {},
): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(args, { signal: options.signal });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.stdout?.resume();
    child.once("error", (err) =>
      reject(new FfmpegError(`cannot run ffmpeg: ${err.message}`, "", { cause: err })),
    );
    child.once("close", (code) => {
      if (options.signal?.aborted) reject(new AbortedError("ffmpeg was stopped"));
      else if (code === 0) resolve({ stderr });
      else reject(classifyFfmpegFailure(stderr, options.source ?? "input", code));
    });
  });
}

/** What ffmpeg/ffprobe print when a picture is over `-max_pixels`: the picture's size and the budget. */
const OVER_MAX_PIXELS = /Picture size (\d+)x(\d+) exceeds specified max pixel count (\d+)/;

export function overMaxPixels(
  text: string,
): { width: number; height: number; maxPixels: number } | undefined {
  const match = OVER_MAX_PIXELS.exec(text);
  return match
    ? { width: Number(match[1]), height: Number(match[2]), maxPixels: Number(match[3]) }
    : undefined;
}

/** Maps ffmpeg/ffprobe's stderr to the error a user needs to see. */
export function classifyFfmpegFailure(stderr: string, source: string, code: number | null): AvmonError {
  const tail = stderr.trim().split("\n").slice(-8).join("\n");
  const has = (re: RegExp) => re.test(stderr);
  const picture = overMaxPixels(stderr);
  if (picture) return pictureTooLarge(source, picture, picture);
  if (has(/No such file or directory/i)) return new InvalidSourceError(`${source}: no such file`);
  if (has(/Permission denied/i)) return new InvalidSourceError(`${source}: permission denied`);
  if (has(/Protocol not found|not on whitelist|Unsupported protocol/i))
    return new InvalidSourceError(`${source}: protocol not allowed`);
  if (has(/Server returned 4\d\d|HTTP error 4\d\d/i))
    return new InvalidSourceError(
      `${source}: the server refused it (${firstMatch(stderr, /Server returned [^\n]*/)})`,
    );
  // A local file that ends before its structures say it should is damaged, not unreachable (found by fuzzing).
  if (has(/^file:[^\n]*: End of file$/m))
    return new UnsupportedMediaError(`${source}: not a readable audio/video file (it ends too early)`);
  if (
    has(
      /Connection refused|Connection timed out|Failed to resolve hostname|Name or service not known|Network is unreachable|Server returned 5\d\d|I\/O error|End of file|Immediate exit requested/i,
    )
  )
    return new SourceUnreachableError(`${source}: cannot reach the source (${lastLine(tail)})`);
  if (
    has(
      /Invalid data found when processing input|moov atom not found|could not find codec parameters|does not contain any stream|Output file #0 does not contain any stream|Invalid argument/i,
    )
  )
    return new UnsupportedMediaError(`${source}: not a readable audio/video file (${lastLine(tail)})`);
  return new FfmpegError(`ffmpeg failed on ${source} (exit ${code}): ${lastLine(tail)}`, tail);
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop()?.trim() ?? "";
}

function firstMatch(text: string, re: RegExp): string {
  return re.exec(text)?.[0] ?? "";
}
