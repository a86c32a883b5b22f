/** `npm run bench [-- file|live]` */
import { fileBench } from "./file-bench.ts";

const log = (line: string) => process.stdout.write(`${line}\n`);

export async function main(argv: readonly string[]): Promise<number> {
  const which = argv[0] ?? "file";
  if (which === "file") await fileBench(log);
  else {
    process.stderr.write(`unknown benchmark "${which}" (known: file)\n`);
    return 2;
  }
  return 0;
}
