/**
 * `avmon serve` (`npm start`): the local stack. Unless AVMON_DEMO=false it also submits the demo clip and prints
 * its alerts, so a newcomer sees avmon work without typing anything else.
 */
import { join } from "node:path";
import { printAlerts } from "../app/alert-printer.ts";
import { LocalStack } from "../app/local-stack.ts";
import { type AvmonConfig, parseConfig } from "../config.ts";
import { DEMO_SCHEDULE, ensureDemoClip } from "../demo/demo-source.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import type { CliIo } from "./io.ts";
import { aborted } from "./worker-command.ts";

export async function serveCommand(_argv: readonly string[], io: CliIo): Promise<number> {
  const config = parseConfig();
  const logger = createLogger({ level: config.logLevel });
  const stack = new LocalStack({ config, logger });
  const url = await stack.start();
  const stopPrinting = printAlerts(stack.bus, io.stdout);
  io.stdout(banner(url));
  if (config.demo) void submitDemo(stack, config, io, logger);
  await aborted(io.signal);
  io.stderr("Shutting down…\n");
  stopPrinting();
  await stack.stop(config.shutdownDeadlineSeconds * 1000);
  return 0;
}

async function submitDemo(stack: LocalStack, config: AvmonConfig, io: CliIo, logger: Logger): Promise<void> {
  try {
    const clip = await ensureDemoClip(join(config.dataDir, "demo"));
    const outcome = await stack.intake.submit({ source: clip, labels: { demo: "true" } }, undefined);
    if (outcome.kind !== "accepted") throw new Error(`demo job refused: ${JSON.stringify(outcome)}`);
    const { jobId } = outcome;
    const schedule = DEMO_SCHEDULE.map((d) => `${d.type} ${d.start}–${d.end} s`).join(", ");
    io.stdout(`Demo job ${jobId} submitted: ${clip} (defects put in on purpose: ${schedule})\n\n`);
  } catch (error) {
    logger.error("could not start the demo job", { error });
  }
}

function banner(url: string): string {
  return `avmon is listening on ${url}  (dashboard: ${url}/)

Submit a job:
  curl -s -X POST ${url}/v1/jobs -H 'content-type: application/json' -d '{"source":"/path/to/clip.mp4"}'
Follow freeze alerts as they happen:
  curl -N -G ${url}/v1/events --data-urlencode 'pattern={"detail-type":["Defect Detected"],"detail":{"defect":{"type":["freeze"]}}}'

`;
}
