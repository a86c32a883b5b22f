/**
 * Structured JSON logs, one object a line on stderr, with context keys (jobId, detector, …). The same shape as
 * Powertools Logger in the Lambdas: level, message, timestamp, service, then the context.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly service?: string;
  readonly write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, context: LogFields = {}): Logger {
  const level = options.level ?? "info";
  const service = options.service ?? "avmon";
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const log = (at: Exclude<LogLevel, "silent">, message: string, fields?: LogFields) => {
    if (RANK[at] < RANK[level]) return;
    const entry = {
      level: at.toUpperCase(),
      message,
      timestamp: new Date().toISOString(),
      service,
      ...context,
    };
    write(`${JSON.stringify({ ...entry, ...serializeErrors(fields) })}\n`);
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    child: (fields) => createLogger(options, { ...context, ...fields }),
  };
}

/** A logger that drops everything (tests, and CLI runs where logs would clutter the output). */
export const silentLogger: Logger = createLogger({ level: "silent" });

function serializeErrors(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}
