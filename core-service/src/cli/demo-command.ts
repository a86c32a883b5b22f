/** `avmon demo`: generates the demo clip (once) and analyses it, so a newcomer sees defects at once. */
import { join } from "node:path";
import { DEMO_SCHEDULE, ensureDemoClip } from "../demo/demo-source.ts";
import { analyzeCommand } from "./analyze-command.ts";
import type { CliIo } from "./io.ts";

export async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const dir = join(process.env.AVMON_DATA_DIR ?? ".avmon-data", "demo");
  io.stderr(`Preparing the demo clip in ${dir} …\n`);
  const clip = await ensureDemoClip(dir);
  const schedule = DEMO_SCHEDULE.map((d) => `${d.type} ${d.start}–${d.end} s`).join(", ");
  io.stderr(`Analysing ${clip} (defects put in on purpose: ${schedule})\n\n`);
  return analyzeCommand([clip, ...argv], io);
}
