/** `npm run bench [-- file|live|levels|bomb|picture] [bench arguments]` (live: see live-bench.ts) */
import { decodeBombBench } from "./decode-bomb-bench.ts";
import { fileBench } from "./file-bench.ts";
import { levelsBench } from "./levels-bench.ts";
import { liveBench } from "./live-bench.ts";
import { pictureDetectorsBench } from "./picture-detectors-bench.ts";
import { BenchUsageError } from "./usage-error.ts";

const log = (line: string) => process.stdout.write(`${line}\n`);

const BENCHES: Record<string, (log: (line: string) => void, args: readonly string[]) => Promise<void>> = {
  file: fileBench,
  live: liveBench,
  levels: levelsBench,
  bomb: decodeBombBench,
  picture: pictureDetectorsBench,
};

export async function main(argv: readonly string[]): Promise<number> {
  const which = argv[0] ?? "file";
  const bench = BENCHES[which];
  if (!bench) {
    process.stderr.write(`unknown benchmark "${which}" (known: ${Object.keys(BENCHES).join(", ")})\n`);
    return 2;
  }
  try {
    await bench(log, argv.slice(1));
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  return 0;
}
