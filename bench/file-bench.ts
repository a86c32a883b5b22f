/**
 * `npm run bench`: the cost of avmon's file analysis against two baselines measured in the same run —
 * ffmpeg decoding alone (one thread), and ffmpeg's own filters computing the same measures — on a generated
 * 60 s 1080p30 H.264 clip; avmon with `--evidence` (a picture or sound strip per defect, from a small colour
 * output of the same decode) in the same rounds; with block corruption alone and everything but it for that
 * detector's share; then avmon on a 10 min source made of that clip, with and without evidence, to show memory
 * does not grow; and the loudness meter's own CPU on that clip's audio (loudness-cost.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FILE_DEFECT_TYPES } from "../core-service/src/domain/defect.ts";
import { ffmpegBinaries, runFfmpeg } from "../core-service/src/media/ffmpeg.ts";
import { detectTools } from "../core-service/src/media/ffmpeg-detection.ts";
import { captionsCost } from "./captions-cost.ts";
import { costLines } from "./cost.ts";
import { loudnessCost } from "./loudness-cost.ts";
import { type Measurement, measure } from "./process-meter.ts";

const BENCH_DIR = join(import.meta.dirname, "../.cache/bench");
/**
 * The bundle buildCli makes, run directly: through bin/avmon.mjs, a source edited while the bench runs would
 * switch the remaining runs to compiling the TypeScript at start-up (≈0.5 CPU s each) without a word.
 */
export const AVMON = join(import.meta.dirname, "../dist/avmon.mjs");

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
  // Block corruption (native-resolution luma, the SIMD kernel) alone, and everything but it: its cost.
  const blockinessRuns: Measurement[] = [];
  const withoutBlockinessRuns: Measurement[] = [];
  const analyze = (label: string, detectors: readonly string[]) =>
    measure(label, process.execPath, [
      AVMON,
      "analyze",
      minute,
      "--json",
      "--detectors",
      detectors.join(","),
    ]);
  // The detectors of before the sync and channel ones: what those cost.
  const pictureAndLevelRuns: Measurement[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    log(
      `Round ${round} of ${ROUNDS}: ffmpeg decode only, then avmon analyze (all, --evidence, blockiness, all but it, without sync/channels) …`,
    );
    decodeRuns.push(
      await measure("ffmpeg decode only (1 thread)", ffmpeg, [...singleThreadInput, "-f", "null", "-"]),
    );
    avmonRuns.push(
      await measure("avmon analyze, all detectors", process.execPath, [AVMON, "analyze", minute, "--json"]),
    );
    evidenceRuns.push(await measure("avmon analyze --evidence", process.execPath, withEvidence(minute)));
    blockinessRuns.push(await analyze("avmon analyze, blockiness only", ["blockiness"]));
    withoutBlockinessRuns.push(
      await analyze(
        "avmon analyze, all but blockiness",
        FILE_DEFECT_TYPES.filter((type) => type !== "blockiness"),
      ),
    );
    pictureAndLevelRuns.push(
      await analyze(`avmon analyze, ${PICTURE_AND_LEVEL.length} detectors`, PICTURE_AND_LEVEL),
    );
  }
  const decode = medianRun(decodeRuns);
  const avmon = medianRun(avmonRuns);
  const evidence = medianRun(evidenceRuns);
  const blockiness = medianRun(blockinessRuns);
  const withoutBlockiness = medianRun(withoutBlockinessRuns);
  const pictureAndLevel = medianRun(pictureAndLevelRuns);
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
  const doctor = await measure("avmon doctor (asks ffmpeg afresh)", process.execPath, [AVMON, "doctor"]);
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
    `(decode-only and the avmon runs: the median of ${ROUNDS} runs each; CPU s of every run: decode ${cpuList(decodeRuns)}, avmon ${cpuList(avmonRuns)}, --evidence ${cpuList(evidenceRuns)}, blockiness only ${cpuList(blockinessRuns)}, all but blockiness ${cpuList(withoutBlockinessRuns)}, without sync/channels ${cpuList(pictureAndLevelRuns)})`,
  );
  log(
    table([
      decode,
      avmon,
      evidence,
      blockiness,
      withoutBlockiness,
      pictureAndLevel,
      filters,
      startup,
      doctor,
      avmonLong,
      evidenceLong,
    ]),
  );
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
  log(`blockiness only CPU / decode-only:  ${ratio(blockiness.cpuSeconds, decode.cpuSeconds)}`);
  log(
    `blockiness's share of all detectors: ${ratio(avmon.cpuSeconds - withoutBlockiness.cpuSeconds, decode.cpuSeconds)} of decode-only CPU (all − all but blockiness)`,
  );
  log(
    `sync and channel detectors:         ${ratio(avmon.cpuSeconds, pictureAndLevel.cpuSeconds)}  (all detectors / ${PICTURE_AND_LEVEL.join(", ")}; av-sync reads a tiny picture of every frame)`,
  );
  log(`ffmpeg chain CPU / avmon CPU:       ${ratio(filters.cpuSeconds, avmon.cpuSeconds)}  (target ≥ 3×)`);
  log(`ffmpeg chain wall / avmon wall:     ${(filters.wallSeconds / avmon.wallSeconds).toFixed(2)}×`);
  log(
    `avmon peak memory, 10 min / 60 s:   ${(avmonLong.peakMemoryMiB / avmon.peakMemoryMiB).toFixed(2)}×  (target ≈ 1×)`,
  );
  log(
    `  the same with --evidence:          ${(evidenceLong.peakMemoryMiB / evidence.peakMemoryMiB).toFixed(2)}×  (a bounded ring of recent pictures)`,
  );
  log(
    `ffmpeg capability detection:        ${(doctor.cpuSeconds - startup.cpuSeconds).toFixed(2)} CPU s asked afresh (doctor − help), ${(await keptAnswerCpuMs()).toFixed(1)} ms from the kept answer, none for a local file`,
  );
  for (const cost of await loudnessCost(minute, BENCH_DIR)) {
    log(
      `loudness meter alone, ${cost.layout.padEnd(6)}    ${cost.cpuSeconds.toFixed(2)} CPU s for ${cost.audioSeconds.toFixed(0)} s of audio = ${ratio(cost.cpuSeconds, decode.cpuSeconds)} of decode-only CPU (median of 5, in process)`,
    );
  }
  const captions = await captionsCost(minute, BENCH_DIR);
  log(
    `captions branch in the decode:      ${ratio(captions.withCaptions, captions.withoutCaptions)} of the same decode without it (${captions.withoutCaptions.toFixed(2)} → ${captions.withCaptions.toFixed(2)} CPU s, ffmpeg + Node, median of 3; ${captions.captionFrames} captioned pictures)`,
  );
  log(
    `captions-lost detector alone:       ${captions.detectorSeconds.toFixed(3)} CPU s for ${captions.mediaSeconds.toFixed(0)} s = ${ratio(captions.detectorSeconds, decode.cpuSeconds)} of decode-only CPU (median of 5, in process)`,
  );
  // What an hour of such media costs: the median avmon run (process and ffmpeg, as measured from outside),
  // beside what the report itself says it cost (stats.cpuSeconds, media/cpu-meter.ts).
  const reported = JSON.parse(avmon.stdout).stats as { cpuSeconds?: number };
  log("");
  log(
    `report's own stats.cpuSeconds:       ${reported.cpuSeconds?.toFixed(2)} CPU s (measured from outside: ${avmon.cpuSeconds.toFixed(2)})`,
  );
  for (const line of costLines(
    "file analysis (1080p30 H.264, all detectors)",
    (avmon.cpuSeconds * 3600) / CLIP_SECONDS,
    avmon.peakMemoryMiB,
  ))
    log(line);
  const defects = JSON.parse(avmon.stdout).defects.length;
  log(`(avmon found ${defects} defects in the 60 s clip; it carries 3: a black, a freeze and a silence)`);
}

const ROUNDS = 3;
/** Length of the bench clip (benchClip), seconds. */
const CLIP_SECONDS = 60;
/** The detectors avmon had before av-sync, channel-loss, phase and test-signal: their cost is the difference. */
const PICTURE_AND_LEVEL = ["black", "freeze", "blockiness", "silence", "clipping", "loudness"];

/** What `npm ci` installs: the bundled CLI (AVMON), rebuilt in case sources changed since. */
export function buildCli(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, "../scripts/build-cli.mjs")], {
    stdio: "inherit",
  });
}

/** CPU of one capability lookup answered from the disk (what a URL job pays after the first), median of 5. */
async function keptAnswerCpuMs(): Promise<number> {
  await detectTools(ffmpegBinaries());
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = process.cpuUsage();
    await detectTools(ffmpegBinaries());
    const used = process.cpuUsage(before);
    runs.push((used.user + used.system) / 1000);
  }
  return runs.sort((a, b) => a - b)[2] as number;
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
