/**
 * Runs a command as the whole life of the process. Whatever happens, the process ends, says why in one line,
 * and leaves no ffmpeg behind: an error nobody caught is printed as one line (no stack trace) and ends the
 * process at once; a command that has returned does not wait for handles it left open (a timer, a socket).
 */
import { killRunningChildren } from "../media/ffmpeg.ts";

/** How long a finished command's stragglers may take to close before the process exits anyway. */
const EXIT_GRACE_MS = 1000;

export async function runAsProcess(command: () => Promise<number>): Promise<void> {
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  // Even on an exit nobody planned (process.exit in a dependency), no child outlives the process.
  process.on("exit", () => killRunningChildren());
  const code = await command();
  process.exitCode = code;
  setTimeout(() => exitNow(code), EXIT_GRACE_MS).unref();
}

function crash(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`avmon: internal error: ${message.split("\n")[0]}\n`);
  exitNow(1);
}

function exitNow(code: number): never {
  killRunningChildren();
  process.exit(code);
}
