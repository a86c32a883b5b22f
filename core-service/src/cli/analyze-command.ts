/** `avmon analyze <path|url> [--json] [--detectors a,b] [--config thresholds.json] [--evidence DIR]` */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FolderEvidenceStore } from "../adapters/local/folder-evidence-store.ts";
import { parseConfig } from "../config.ts";
import { parseDetectorList, parseThresholds } from "../detectors/registry.ts";
import { defectKind } from "../domain/defect.ts";
import { ConfigError } from "../domain/errors.ts";
import { Thresholds } from "../domain/job.ts";
import type { EvidenceKeeper } from "../evidence/evidence-recorder.ts";
import { analyzeSource } from "../pipeline/analyze.ts";
import type { CliIo } from "./io.ts";
import { formatReportTable } from "./report-table.ts";
import { ANALYZE_USAGE } from "./usage.ts";

export async function analyzeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      detectors: { type: "string" },
      config: { type: "string" },
      evidence: { type: "string" },
    },
  });
  const [source, ...extra] = positionals;
  if (!source || extra.length > 0) throw new ConfigError(`usage: ${ANALYZE_USAGE}`);
  const detectors = values.detectors === undefined ? undefined : parseDetectorList(values.detectors);
  const thresholds = values.config ? await readThresholds(values.config) : undefined;
  const evidence = values.evidence === undefined ? undefined : await evidenceFolder(values.evidence);
  // The same limits as a worker's (AVMON_STALL_SECONDS, AVMON_MAX_PIXELS, …); a bad value is a ConfigError.
  const { analysisLimits } = parseConfig();
  const showProgress = io.stderrIsTTY;
  const report = await analyzeSource(source, {
    detectors,
    thresholds,
    allowLocalFiles: true,
    limits: analysisLimits,
    signal: io.signal,
    evidence,
    onProgress: showProgress ? ({ time, duration }) => io.progress(progressLine(time, duration)) : undefined,
  });
  if (showProgress) io.progress("");
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReportTable(report));
  return 0;
}

/**
 * `--evidence DIR`: each defect's image as `DIR/<kind>[-track<n>]-<onset>s.jpg|svg` (the kind is the type, and
 * a loudness defect's measure: `loudness-truePeak`), so defects with distinct alerts never share a file; the
 * report's `evidence.thumbnail` names that file. The folder is made first, so a path that cannot be written fails before any decoding.
 */
async function evidenceFolder(dir: string): Promise<EvidenceKeeper> {
  if (dir.trim() === "") throw new ConfigError("--evidence: give the folder to write evidence images to");
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError(
      `--evidence ${dir}: cannot make that folder (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const store = new FolderEvidenceStore(dir);
  return async ({ defect }, image) => {
    const track = defect.track === undefined ? "" : `-track${defect.track}`;
    const name = `${defectKind(defect).replace("/", "-")}${track}-${defect.start.toFixed(3)}s.${image.format.extension}`;
    await store.put(name, image);
    return { thumbnail: join(dir, name), at: image.at };
  };
}

async function readThresholds(path: string): Promise<Thresholds> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `--config ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--config ${path}: not valid JSON (${(error as Error).message})`);
  }
  const result = Thresholds.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(
      `--config ${path}: ${[...(issue?.path ?? [])].join(".") || "top level"}: ${issue?.message}`,
    );
  }
  parseThresholds(result.data);
  return result.data;
}

function progressLine(time: number, duration: number | undefined): string {
  if (!duration) return `analysing… ${time.toFixed(0)} s`;
  const percent = Math.min(100, (100 * time) / duration);
  return `analysing… ${time.toFixed(0)} / ${duration.toFixed(0)} s (${percent.toFixed(0)} %)`;
}
