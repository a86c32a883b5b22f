/**
 * What `avmon doctor` prints: which ffmpeg and ffprobe avmon runs, their versions, and what they can and cannot
 * do for avmon (sources, containers, decoders, filters), with warnings about builds to replace. Pure: it reads
 * detections, so every line can be checked without running a binary.
 */
import {
  type DecoderEntry,
  decodes,
  describeVersion,
  softwareDecoders,
} from "../media/ffmpeg-capabilities.ts";
import type { DetectedBinary, DetectedFfmpeg, DetectedFfprobe } from "../media/ffmpeg-detection.ts";
import {
  CONTAINERS,
  DECODERS,
  FILTERS_MAY_USE,
  FILTERS_USED,
  SOURCE_KINDS,
} from "../media/ffmpeg-requirements.ts";
import { INSTALL_ADVICE, missingFor, supportOf } from "../media/source-support.ts";

/** A detection that worked, or why the binary could not be asked. */
export type Detection<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

export interface DoctorInput {
  readonly ffmpeg: Detection<DetectedFfmpeg>;
  readonly ffprobe: Detection<DetectedFfprobe>;
}

export interface DoctorReport {
  readonly text: string;
  /** False when a binary is missing or cannot do what every analysis needs. */
  readonly usable: boolean;
  readonly warnings: readonly string[];
}

/** The FFmpeg series of Debian bookworm's 5.1, which avmon's container runs and CI tests against. */
const OLDEST_RECOMMENDED_MAJOR = 5;

export function doctorReport(input: DoctorInput): DoctorReport {
  const lines: string[] = [];
  const problems: string[] = [];
  lines.push(...binaryLines("ffmpeg", input.ffmpeg), ...binaryLines("ffprobe", input.ffprobe), "");
  if (!input.ffmpeg.ok) problems.push("ffmpeg is unusable (above)");
  if (!input.ffprobe.ok) problems.push("ffprobe is unusable (above)");
  if (input.ffmpeg.ok && input.ffprobe.ok) {
    const ffmpeg = input.ffmpeg.value;
    lines.push(...capabilityLines(ffmpeg, input.ffprobe.value));
    const missingUsed = FILTERS_USED.filter((f) => !ffmpeg.capabilities.filters.includes(f));
    if (missingUsed.length > 0) problems.push(`ffmpeg lacks filters avmon uses: ${missingUsed.join(", ")}`);
    if (!ffmpeg.capabilities.protocols.includes("file")) problems.push("ffmpeg cannot read local files");
  }
  const warnings = [...binaryWarnings(input)];
  if (warnings.length > 0) lines.push("", ...warnings.map((w) => `Warning: ${w}`), `  ${INSTALL_ADVICE}`);
  lines.push("", ...problems.map((p) => `Problem: ${p}`));
  lines.push(verdict(problems, warnings));
  return {
    text: `${lines.join("\n").replace(/\n{3,}/g, "\n\n")}\n`,
    usable: problems.length === 0,
    warnings,
  };
}

function binaryLines(tool: string, detection: Detection<DetectedBinary>): string[] {
  if (!detection.ok) return [`${tool.padEnd(9)}UNUSABLE: ${detection.problem}`];
  const { path, origin, version } = detection.value;
  const from = origin === "bundled" ? `bundled (npm @${tool}-installer/${tool})` : `from ${origin}`;
  const lavf = version.libavformat ? ` · libavformat ${version.libavformat}` : "";
  return [`${tool.padEnd(9)}${path}`, `${"".padEnd(9)}${from} · ${describeVersion(version)}${lavf}`];
}

function capabilityLines(ffmpeg: DetectedFfmpeg, ffprobe: DetectedFfprobe): string[] {
  const support = supportOf({ ffmpeg, ffprobe });
  const caps = ffmpeg.capabilities;
  const lines = ["Sources"];
  for (const kind of SOURCE_KINDS) {
    const gap = missingFor(kind, support, false);
    const answer = gap
      ? `no   ${kind.use}: ${gap.tool} has no ${gap.lacking} ${gap.why}`
      : `yes  ${kind.use}`;
    lines.push(`  ${kind.name.padEnd(7)}${answer}`);
  }
  const containers = CONTAINERS.filter((c) => !caps.demuxers.includes(c));
  lines.push(
    `Containers  ${CONTAINERS.join(" ")}: ${containers.length ? `missing ${containers.join(" ")}` : "all readable"}`,
  );
  lines.push(
    `Decoders    video: ${DECODERS.video.map((c) => decoderName(caps.decoders, c)).join(" ")}`,
    `            audio: ${DECODERS.audio.map((c) => decoderName(caps.decoders, c)).join(" ")}`,
    `            missing: ${listOrNone([...DECODERS.video, ...DECODERS.audio].filter((c) => !decodes(caps, c)))}`,
  );
  const has = (name: string) => caps.filters.includes(name);
  const mayUse = FILTERS_MAY_USE.filter((f) => has(f.name)).map((f) => f.name);
  const lacking = FILTERS_MAY_USE.filter((f) => !has(f.name)).map((f) => `${f.name} — ${f.use}`);
  lines.push(
    `Filters     used: ${FILTERS_USED.map((f) => (has(f) ? f : `${f}(MISSING)`)).join(" ")}`,
    `            may use: ${listOrNone(mayUse)}`,
    `            missing: ${lacking.length ? lacking.join("; ") : "none"}`,
  );
  return lines;
}

/** "av1 (libdav1d)" when the decoder is a library, the codec alone when ffmpeg's own decoder does it. */
function decoderName(decoders: readonly DecoderEntry[], codec: string): string {
  const names = softwareDecoders({ decoders }, codec);
  if (names.length === 0) return `${codec}(MISSING)`;
  return names.includes(codec) ? codec : `${codec} (${names.join(", ")})`;
}

function* binaryWarnings(input: DoctorInput): Generator<string> {
  for (const [tool, detection] of [
    ["ffmpeg", input.ffmpeg],
    ["ffprobe", input.ffprobe],
  ] as const) {
    if (!detection.ok) continue;
    const { origin, version } = detection.value;
    const age = `FFmpeg ${version.major ?? "?"}.x${version.year ? ` from ${version.year}` : ""}`;
    const lacks = tool === "ffmpeg" ? lacksNote(input.ffmpeg) : "";
    if (origin === "bundled")
      yield `${tool} is the build bundled with avmon's npm dependencies (${age}, ${version.text}): a static build that gets no security fixes${version.major !== undefined && version.major < OLDEST_RECOMMENDED_MAJOR ? ", years of published CVEs behind" : ""}${lacks}.`;
    else if (version.major !== undefined && version.major < OLDEST_RECOMMENDED_MAJOR)
      yield `${tool} is ${age}, older than the 5.1 avmon's container runs and is tested with${lacks}.`;
  }
  if (input.ffmpeg.ok && input.ffprobe.ok) {
    const [a, b] = [input.ffmpeg.value.version.major, input.ffprobe.value.version.major];
    if (a !== undefined && b !== undefined && a !== b)
      yield `ffmpeg (FFmpeg ${a}.x) and ffprobe (FFmpeg ${b}.x) come from different releases: they may read the same source differently.`;
  }
}

/** ", without srt, blockdetect, aspectralstats" */
function lacksNote(ffmpeg: Detection<DetectedFfmpeg>): string {
  if (!ffmpeg.ok) return "";
  const caps = ffmpeg.value.capabilities;
  const lacking = [
    ...SOURCE_KINDS.flatMap((k) => k.protocols).filter((p) => !caps.protocols.includes(p)),
    ...FILTERS_MAY_USE.map((f) => f.name).filter((f) => !caps.filters.includes(f)),
  ];
  return lacking.length ? `; it lacks ${[...new Set(lacking)].join(", ")}` : "";
}

function verdict(problems: readonly string[], warnings: readonly string[]): string {
  if (problems.length > 0) return "Result: avmon cannot run with these binaries.";
  const notes = warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})` : "";
  return `Result: avmon can run with these binaries${notes}.`;
}

function listOrNone(items: readonly string[]): string {
  return items.length ? items.join(", ") : "none";
}
