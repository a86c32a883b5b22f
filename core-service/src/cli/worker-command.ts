/** `avmon worker`: the container's process on AWS. Runs until SIGTERM, then shuts down within the deadline. */
import { createAwsWorker } from "../app/aws-worker.ts";
import { startHealthServer } from "../app/health-server.ts";
import { parseConfig } from "../config.ts";
import { createLogger } from "../logging/logger.ts";
import type { CliIo } from "./io.ts";

export async function workerCommand(_argv: readonly string[], io: CliIo): Promise<number> {
  const config = parseConfig();
  const logger = createLogger({ level: config.logLevel });
  const task = createAwsWorker(config, logger);
  const { worker } = task;
  const health = await startHealthServer(config.port, () => worker.state === "running");
  task.start();
  logger.info("worker started", {
    workerId: worker.workerId,
    concurrency: config.concurrency,
    detectors: config.detectors,
  });
  await aborted(io.signal);
  logger.info("shutting down", { deadlineSeconds: config.shutdownDeadlineSeconds });
  const result = await task.stop(config.shutdownDeadlineSeconds * 1000);
  await health.close();
  logger.info("worker stopped", { ...result });
  return 0;
}

export function aborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
