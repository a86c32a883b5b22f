/**
 * `npm run bench -- bomb`: what a decode bomb (test/support/hostile-media.ts: ~200 KB of H.264, three
 * 8192×8192 pictures) costs `avmon analyze` under the default picture budget (refused from the probe) and with
 * the budget raised past it (AVMON_MAX_PIXELS), measured in the same run: peak resident memory of Node alone
 * and of the whole process tree, CPU and wall seconds.
 */
import { statSync } from "node:fs";
import { decodeBomb } from "../test/support/hostile-media.ts";
import { AVMON, buildCli } from "./file-bench.ts";
import { type Measurement, measure } from "./process-meter.ts";

const ROUNDS = 3;

export async function decodeBombBench(log: (line: string) => void): Promise<void> {
  buildCli();
  log("Preparing the decode bomb (cached in .cache/test-media) …");
  const bomb = await decodeBomb();
  log(`${bomb}: ${(statSync(bomb).size / 1024).toFixed(0)} KB`);
  const refused: Measurement[] = [];
  const decoded: Measurement[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    log(`Round ${round} of ${ROUNDS}: default budget, then AVMON_MAX_PIXELS raised …`);
    refused.push(
      await measure("default budget (refused)", process.execPath, [AVMON, "analyze", bomb, "--json"], {
        allowFailure: true,
      }),
    );
    decoded.push(
      await measure(
        "AVMON_MAX_PIXELS=2147483647 (decoded)",
        process.execPath,
        [AVMON, "analyze", bomb, "--json"],
        {
          env: { AVMON_MAX_PIXELS: String(2 ** 31 - 1) },
        },
      ),
    );
  }
  const header = "run                                      exit  CPU s  wall s  Node MiB  tree MiB";
  const row = (m: Measurement) =>
    `${m.label.padEnd(40)} ${String(m.exitCode).padStart(4)} ${m.cpuSeconds.toFixed(1).padStart(6)} ${m.wallSeconds.toFixed(1).padStart(7)} ${m.peakRootMemoryMiB.toFixed(0).padStart(9)} ${m.peakMemoryMiB.toFixed(0).padStart(9)}`;
  log("");
  log(`(each row: the median of ${ROUNDS} runs by peak Node memory)`);
  log([header, row(median(refused)), row(median(decoded))].join("\n"));
  log(`refused: ${median(refused).stderr.trim()}`);
  log(
    `peak Node memory, refused / decoded: ${(median(refused).peakRootMemoryMiB / median(decoded).peakRootMemoryMiB).toFixed(2)}×`,
  );
}

function median(runs: readonly Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.peakRootMemoryMiB - b.peakRootMemoryMiB);
  return sorted[Math.floor(sorted.length / 2)] as Measurement;
}
