/**
 * The errors avmon raises. Each says whether trying again can help, so queues and workers know whether to
 * release a job for redelivery or fail it for good. Defects are data, never errors.
 */
export abstract class AvmonError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The source could not be reached (network, DNS, HTTP 5xx): may work later. */
export class SourceUnreachableError extends AvmonError {
  readonly code = "SOURCE_UNREACHABLE";
  readonly retryable = true;
}

/** The source does not exist or is not allowed (missing file, forbidden protocol): retrying cannot help. */
export class InvalidSourceError extends AvmonError {
  readonly code = "INVALID_SOURCE";
  readonly retryable = false;
}

/** The source was read but holds no decodable audio or video (text file, truncated, empty). */
export class UnsupportedMediaError extends AvmonError {
  readonly code = "UNSUPPORTED_MEDIA";
  readonly retryable = false;
}

/** ffmpeg or ffprobe failed in a way not explained by the source; carries the tail of its stderr. */
export class FfmpegError extends AvmonError {
  readonly code = "FFMPEG_FAILED";
  readonly retryable = true;
  constructor(
    message: string,
    readonly stderrTail: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad configuration or thresholds: names what is wrong. */
export class ConfigError extends AvmonError {
  readonly code = "INVALID_CONFIG";
  readonly retryable = false;
}

/** The analysis was stopped on request (job deleted, shutdown). */
export class AbortedError extends AvmonError {
  readonly code = "ABORTED";
  readonly retryable = true;
}

/**
 * A job or analysis went past one of its limits (wall-clock budget, media-duration cap, picture size):
 * retrying the same source under the same limits ends the same way.
 */
export class LimitReachedError extends AvmonError {
  readonly code = "LIMIT_REACHED";
  readonly retryable = false;
}

/** Decoding made no progress (no picture and no audio sample) for the watchdog's period: the source stalled. */
export class StalledError extends AvmonError {
  readonly code = "STALLED";
  readonly retryable = true;
}

/**
 * The error an analysis stopped by `signal` ends with: the signal's reason when it is one of ours (a limit
 * reached, a stall), else AbortedError naming what was stopped.
 */
export function abortError(signal: AbortSignal, what: string): AvmonError {
  return signal.reason instanceof AvmonError ? signal.reason : new AbortedError(`${what} was stopped`);
}
