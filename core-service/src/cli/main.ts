/** avmon's command line: one function per command, errors as one clear line and a non-zero exit. */
import { AvmonError, ConfigError } from "../domain/errors.ts";
import { type CliIo, processIo } from "./io.ts";
import { ANALYZE_USAGE, TEST_EVENT_PATTERN_USAGE } from "./usage.ts";

const USAGE = `Usage:
  ${ANALYZE_USAGE}
  avmon demo                       analyse a generated demo clip with scheduled defects
  avmon doctor                     which ffmpeg and ffprobe avmon runs, and what they can and cannot do
  avmon serve                      the local stack: HTTP API, worker, in-memory queue and bus (npm start)
  avmon worker                     the container's worker on SQS and EventBridge (AWS)
  avmon replay-events [--dry-run]  re-send events a target refused (EventBridge, a webhook), kept for replay
  ${TEST_EVENT_PATTERN_USAGE}
  avmon help
`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Each command's module is loaded only when it runs: `analyze` need not load the server or the AWS SDK. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  analyze: async () => (await import("./analyze-command.ts")).analyzeCommand,
  demo: async () => (await import("./demo-command.ts")).demoCommand,
  doctor: async () => (await import("./doctor-command.ts")).doctorCommand,
  serve: async () => (await import("./serve-command.ts")).serveCommand,
  worker: async () => (await import("./worker-command.ts")).workerCommand,
  "replay-events": async () => (await import("./replay-events-command.ts")).replayEventsCommand,
  "test-event-pattern": async () => (await import("./test-event-pattern.ts")).testEventPatternCommand,
};

export async function main(
  argv: readonly string[],
  io: CliIo = processIo(interruptSignal()),
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.stdout(USAGE);
    return name ? 0 : 2;
  }
  const loadCommand = COMMANDS[name];
  if (!loadCommand) {
    io.stderr(`avmon: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    const command = await loadCommand();
    return await command(rest, io);
  } catch (error) {
    io.stderr(`avmon: ${errorMessage(error)}\n`);
    return error instanceof ConfigError || isUsageError(error) ? 2 : 1;
  }
}

/** avmon's own errors and usage errors as they are; anything else is a bug of ours, and says so. */
function errorMessage(error: unknown): string {
  if (error instanceof AvmonError) return error.message;
  if (isUsageError(error)) return (error as Error).message;
  const message = error instanceof Error ? error.message : String(error);
  return `internal error: ${message.split("\n")[0]}`;
}

/** node:util parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION. */
function isUsageError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/** Ctrl-C stops ffmpeg cleanly instead of leaving it running; a second one exits at once (children killed). */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller.signal;
}
