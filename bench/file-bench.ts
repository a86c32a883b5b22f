/**
 * `npm run bench`: the cost of avmon's file analysis against two baselines measured in the same run —
 * ffmpeg decoding alone (one thread), and ffmpeg's own filters computing the same measures — on a generated
 * 60 s 1080p30 H.264 clip; avmon with `--evidence` (a picture or sound strip per defect, from a small colour
 * output of the same decode) in the same rounds; then avmon on a 10 min source made of that clip, with and
 * without evidence, to show memory does not grow.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ffmpegBinaries, runFfmpeg } from "../core-service/src/media/ffmpeg.ts";
import { type Measurement, measure } from "./process-meter.ts";

const BENCH_DIR = join(import.meta.dirname, "../.cache/bench");
const AVMON = join(import.meta.dirname, "../bin/avmon.mjs");

export async function fileBench(log: (line: string) => void): Promise<void> {
  mkdirSync(BENCH_DIR, { recursive: true });
  buildCli();
  log("Preparing a 60 s 1080p30 H.264 + AAC clip (cached in .cache/bench) …");
  const minute = await benchClip();
  const tenMinutes = await repeatedClip(minute, 10);
  const { ffmpeg } = ffmpegBinaries();
  const chain = ffmpegChainFilters();

  // Both ffmpeg baselines decode the same way, on one thread; only what follows the input differs.
  const singleThreadInput = ["-hide_banner", "-nostats", "-threads", "1", "-i", minute];
  // Decode-only and avmon take turns, ROUNDS times, and the medians are compared: this machine's speed drifts
  // by several per cent within minutes, which one run each would read as a difference between them.
  const decodeRuns: Measurement[] = [];
  const avmonRuns: Measurement[] = [];
  const evidenceRuns: Measurement[] = [];
  const evidenceDir = mkdtempSync(join(tmpdir(), "avmon-bench-evidence-"));
  const withEvidence = (source: string) => [AVMON, "analyze", source, "--json", "--evidence", evidenceDir];
  for (let round = 1; round <= ROUNDS; round++) {
    log(`Round ${round} of ${ROUNDS}: ffmpeg decode only, avmon analyze, avmon analyze --evidence …`);
    decodeRuns.push(
      await measure("ffmpeg decode only (1 thread)", ffmpeg, [...singleThreadInput, "-f", "null", "-"]),
    );
    avmonRuns.push(
      await measure("avmon analyze, all detectors", process.execPath, [AVMON, "analyze", minute, "--json"]),
    );
    evidenceRuns.push(await measure("avmon analyze --evidence", process.execPath, withEvidence(minute)));
  }
  const decode = medianRun(decodeRuns);
  const avmon = medianRun(avmonRuns);
  const evidence = medianRun(evidenceRuns);
  const filters = await measure(`ffmpeg filter chain (${chain.names})`, ffmpeg, [
    ...singleThreadInput,
    "-vf",
    chain.video,
    "-af",
    chain.audio,
    "-f",
    "null",
    "-",
  ]);
  const startup = await measure("avmon start-up alone (avmon help)", process.execPath, [AVMON, "help"]);
  const avmonLong = await measure("avmon analyze, 10 min source", process.execPath, [
    AVMON,
    "analyze",
    tenMinutes,
    "--json",
  ]);
  const evidenceLong = await measure(
    "avmon analyze --evidence, 10 min source",
    process.execPath,
    withEvidence(tenMinutes),
  );
  const evidenceDefects = JSON.parse(evidenceLong.stdout).defects as { evidence?: unknown }[];
  rmSync(evidenceDir, { recursive: true, force: true });

  log("");
  log(
    `(decode-only, avmon and avmon --evidence: the median of ${ROUNDS} runs each; CPU s of every run: decode ${cpuList(decodeRuns)}, avmon ${cpuList(avmonRuns)}, --evidence ${cpuList(evidenceRuns)})`,
  );
  log(table([decode, avmon, evidence, filters, startup, avmonLong, evidenceLong]));
  log("");
  const analysisCpu = avmon.cpuSeconds - startup.cpuSeconds;
  log(`avmon CPU / decode-only CPU:        ${ratio(avmon.cpuSeconds, decode.cpuSeconds)}  (target ≤ 1.3×)`);
  log(
    `  the same without CLI start-up:    ${ratio(analysisCpu, decode.cpuSeconds)}  (what a running worker pays per job)`,
  );
  log(
    `avmon --evidence CPU / decode-only: ${ratio(evidence.cpuSeconds, decode.cpuSeconds)}  (target ≤ 1.3×)`,
  );
  log(
    `  what evidence adds to avmon:       ${ratio(evidence.cpuSeconds, avmon.cpuSeconds)}  (the picture branch, the level ring, ${evidenceDefects.filter((d) => d.evidence).length} images on the 10 min source)`,
  );
  log(`ffmpeg chain CPU / avmon CPU:       ${ratio(filters.cpuSeconds, avmon.cpuSeconds)}  (target ≥ 3×)`);
  log(`ffmpeg chain wall / avmon wall:     ${(filters.wallSeconds / avmon.wallSeconds).toFixed(2)}×`);
  log(
    `avmon peak memory, 10 min / 60 s:   ${(avmonLong.peakMemoryMiB / avmon.peakMemoryMiB).toFixed(2)}×  (target ≈ 1×)`,
  );
  log(
    `  the same with --evidence:          ${(evidenceLong.peakMemoryMiB / evidence.peakMemoryMiB).toFixed(2)}×  (a bounded ring of recent pictures)`,
  );
  const defects = JSON.parse(avmon.stdout).defects.length;
  log(`(avmon found ${defects} defects in the 60 s clip; it carries 3: a black, a freeze and a silence)`);
}

const ROUNDS = 3;

/**
 * What `npm ci` installs: the bundled CLI, rebuilt in case sources changed since (else bin/avmon.mjs would
 * compile the TypeScript sources at start-up, which is not what a user runs).
 */
export function buildCli(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, "../scripts/build-cli.mjs")], {
    stdio: "inherit",
  });
}

function medianRun(runs: Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.cpuSeconds - b.cpuSeconds);
  return sorted[Math.floor(sorted.length / 2)] as Measurement;
}

function cpuList(runs: Measurement[]): string {
  return runs.map((r) => r.cpuSeconds.toFixed(1)).join(", ");
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

function table(rows: Measurement[]): string {
  const header = "run                                          CPU s    wall s   peak MiB";
  const lines = rows.map(
    (r) =>
      `${r.label.padEnd(44)} ${r.cpuSeconds.toFixed(1).padStart(6)}  ${r.wallSeconds.toFixed(1).padStart(7)}  ${r.peakMemoryMiB.toFixed(0).padStart(9)}`,
  );
  return [header, ...lines].join("\n");
}

async function benchClip(): Promise<string> {
  const path = join(BENCH_DIR, "bench-60s-1080p30-v2.mp4");
  if (existsSync(path)) return path;
  const partial = `${path}.partial.mp4`;
  // Moving test picture with a black (10–13 s), a freeze (30–34 s) and silence (45–49 s).
  await runFfmpeg([
    "-y",
    "-filter_complex",
    [
      "testsrc2=size=1920x1080:rate=30:duration=64,split=3[a][b][c]",
      "[a]trim=0:30,setpts=PTS-STARTPTS[p0]",
      "[b]trim=start=30,trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/30/TB,trim=duration=4[p1]",
      "[c]trim=start=34:end=60,setpts=PTS-STARTPTS[p2]",
      "[p0][p1][p2]concat=n=3:v=1:a=0,drawbox=enable='between(t,10,12.99)':color=black:t=fill,format=yuv420p[v]",
      // ffmpeg's sine peaks at 1/8; ×0.566 puts the tone at −23 dBFS (≈ −23 LUFS), so loudness is on target.
      "sine=frequency=1000:sample_rate=48000:duration=60,volume='if(between(t,45,49),0,0.566)':eval=frame,aformat=channel_layouts=stereo[a]",
    ].join(";"),
    "-map",
    "[v]",
    "-map",
    "[a]",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-b:v",
    "8M",
    "-g",
    "60",
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-t",
    "60",
    partial,
  ]);
  renameSync(partial, path);
  return path;
}

/** The clip repeated `times` times without re-encoding (concat demuxer, stream copy). */
async function repeatedClip(clip: string, times: number): Promise<string> {
  const path = join(BENCH_DIR, `bench-${times}x-v2.mp4`);
  if (existsSync(path)) return path;
  const list = join(BENCH_DIR, "concat.txt");
  writeFileSync(list, Array.from({ length: times }, () => `file '${clip}'`).join("\n"));
  await runFfmpeg(["-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", path]);
  return path;
}

/** blockdetect exists from FFmpeg 5.0; use it when this ffmpeg has it. */
function ffmpegChainFilters(): { video: string; audio: string; names: string } {
  const filters = execFileSync(ffmpegBinaries().ffmpeg, ["-hide_banner", "-filters"], { encoding: "utf8" });
  const hasBlockdetect = /\bblockdetect\b/.test(filters);
  const video = [
    "blackdetect=d=1",
    "freezedetect=n=-60dB:d=2",
    "signalstats",
    ...(hasBlockdetect ? ["blockdetect"] : []),
  ];
  const audio = ["silencedetect=n=-60dB:d=2", "ebur128"];
  return {
    video: video.join(","),
    audio: audio.join(","),
    names: [...video, ...audio].map((f) => f.split("=")[0]).join(", "),
  };
}
