/** What a CLI command may touch, so commands are testable without a terminal. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Rewrites one status line on a terminal's stderr; "" clears it. */
  progress(line: string): void;
  readonly stderrIsTTY: boolean;
  readonly signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress: (line) => process.stderr.write(`\r\x1b[2K${line}`),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    signal,
  };
}
