/**
 * Asks the ffmpeg and ffprobe avmon runs what they are and what they can do (version, protocols, demuxers,
 * decoders, filters), for `avmon doctor` and for the checks that refuse a source the binaries cannot read.
 *
 * Cost: the bundled static builds answer the five queries in a few hundredths of a second of CPU, but Debian's
 * dynamically linked 5.1 pays ~0.15 s of CPU per query to load its ~200 libraries: ~1 s for all of them
 * (`avmon doctor` − `avmon help`; `npm run bench` prints it). So nothing here runs at start-up: the queries run
 * only when a check needs them (a network source; local files need only the `file` protocol, which every build
 * has), all at once, once per process; and the answers are kept on disk (`~/.cache/avmon`) under a key of the
 * binary's real path, size and modification time, so the next process pays a `stat` and a small read (~3 ms of
 * CPU). `avmon doctor` always asks afresh.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, realpath, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { FfmpegError } from "../domain/errors.ts";
import { type BinaryOrigin, type FfmpegBinaries, ffmpegBinaries } from "./ffmpeg.ts";
import {
  type FfmpegCapabilities,
  type FfmpegVersion,
  parseBanner,
  parseDecoders,
  parseDemuxers,
  parseFilters,
  parseProtocols,
} from "./ffmpeg-capabilities.ts";

export interface DetectedBinary {
  readonly path: string;
  readonly origin: BinaryOrigin;
  readonly version: FfmpegVersion;
}
export interface DetectedFfmpeg extends DetectedBinary {
  readonly capabilities: FfmpegCapabilities;
}
/** ffprobe opens every file-job source before ffmpeg does, so what it can open matters too. */
export interface DetectedFfprobe extends DetectedBinary {
  readonly protocols: readonly string[];
}
export interface DetectedTools {
  readonly ffmpeg: DetectedFfmpeg;
  readonly ffprobe: DetectedFfprobe;
}

export interface DetectionOptions {
  /** Where answers are kept between processes; null keeps none. Default: `~/.cache/avmon`. */
  readonly cacheDir?: string | null;
  /** Asks the binary even when an answer is kept (doctor). */
  readonly fresh?: boolean;
}

/** Bump when what is stored changes shape, so older entries are asked again rather than misread. */
const CACHE_FORMAT = 1;
/** A loaded machine has been seen to take 10 s of wall time for Debian's five queries at once. */
const QUERY_TIMEOUT_MS = 30_000;
const QUERY_MAX_BYTES = 8 * 1024 * 1024;

const Version = z.object({
  text: z.string(),
  major: z.number().optional(),
  libavformat: z.string().optional(),
  year: z.number().optional(),
});
const FfmpegAnswer = z.object({
  version: Version,
  capabilities: z.object({
    protocols: z.array(z.string()),
    demuxers: z.array(z.string()),
    decoders: z.array(z.object({ name: z.string(), codec: z.string() })),
    filters: z.array(z.string()),
  }),
});
const FfprobeAnswer = z.object({ version: Version, protocols: z.array(z.string()) });

let inUse: Promise<DetectedTools> | undefined;

/** The binaries avmon runs (FFMPEG_PATH/FFPROBE_PATH or the bundled ones), detected once per process. */
export function toolsInUse(): Promise<DetectedTools> {
  if (!inUse) {
    inUse = detectTools(ffmpegBinaries());
    // A binary that could not be run may be installed meanwhile: ask again next time.
    inUse.catch(() => {
      inUse = undefined;
    });
  }
  return inUse;
}

export async function detectTools(
  binaries: FfmpegBinaries,
  options: DetectionOptions = {},
): Promise<DetectedTools> {
  const [ffmpeg, ffprobe] = await Promise.all([
    detectFfmpeg(binaries.ffmpeg, binaries.origin.ffmpeg, options),
    detectFfprobe(binaries.ffprobe, binaries.origin.ffprobe, options),
  ]);
  return { ffmpeg, ffprobe };
}

export async function detectFfmpeg(
  path: string,
  origin: BinaryOrigin,
  options: DetectionOptions = {},
): Promise<DetectedFfmpeg> {
  const answer = await kept(path, "ffmpeg", FfmpegAnswer, options, async () => {
    // The banner (on stderr) comes with any query that is not told -hide_banner.
    const [protocols, demuxers, decoders, filters] = await Promise.all([
      query(path, ["-protocols"]),
      query(path, ["-hide_banner", "-demuxers"]),
      query(path, ["-hide_banner", "-decoders"]),
      query(path, ["-hide_banner", "-filters"]),
    ]);
    return {
      version: versionOf(path, protocols.stderr),
      capabilities: {
        protocols: parseProtocols(protocols.stdout),
        demuxers: parseDemuxers(demuxers.stdout),
        decoders: parseDecoders(decoders.stdout),
        filters: parseFilters(filters.stdout),
      },
    };
  });
  return { path, origin, ...answer };
}

export async function detectFfprobe(
  path: string,
  origin: BinaryOrigin,
  options: DetectionOptions = {},
): Promise<DetectedFfprobe> {
  const answer = await kept(path, "ffprobe", FfprobeAnswer, options, async () => {
    const protocols = await query(path, ["-protocols"]);
    return { version: versionOf(path, protocols.stderr), protocols: parseProtocols(protocols.stdout) };
  });
  return { path, origin, ...answer };
}

function versionOf(path: string, banner: string): FfmpegVersion {
  const version = parseBanner(banner);
  if (!version)
    throw new FfmpegError(`${path} does not look like ffmpeg or ffprobe (no version banner)`, banner);
  return version;
}

function query(path: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      path,
      [...args],
      { timeout: QUERY_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: QUERY_MAX_BYTES, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const reason = failureReason(error, stderr);
        reject(new FfmpegError(`cannot run ${path} ${args.at(-1)}: ${reason}`, stderr, { cause: error }));
      },
    );
  });
}

function failureReason(error: Error & { code?: unknown; killed?: boolean }, stderr: string): string {
  if (error.code === "ENOENT") return "no such file";
  if (error.code === "EACCES") return "not executable";
  if (error.killed) return `no answer within ${QUERY_TIMEOUT_MS / 1000} s`;
  const said = stderr.trim().split("\n").at(-1) ?? "";
  if (typeof error.code === "number") return `it exited with status ${error.code}${said && ` (${said})`}`;
  return error.message;
}

/** The kept answer for this binary, if any and still valid; else asks `detect` and keeps what it says. */
async function kept<T>(
  path: string,
  tool: "ffmpeg" | "ffprobe",
  schema: z.ZodType<T>,
  options: DetectionOptions,
  detect: () => Promise<T>,
): Promise<T> {
  const dir = options.cacheDir === undefined ? join(homedir(), ".cache", "avmon") : options.cacheDir;
  const file = dir === null ? undefined : await cacheFile(dir, tool, path);
  if (file && !options.fresh) {
    const hit = schema.safeParse(await readJson(file));
    if (hit.success) return hit.data;
  }
  const answer = await detect();
  // Keeping the answer saves the next process some CPU; not keeping it (read-only home) costs nothing else.
  if (file) await writeAtomically(file, JSON.stringify(answer)).catch(() => undefined);
  return answer;
}

/** Where the answer for this exact binary is kept; undefined when the binary cannot be stat'ed. */
async function cacheFile(dir: string, tool: string, path: string): Promise<string | undefined> {
  try {
    const real = await realpath(path);
    const { size, mtimeMs } = await stat(real);
    const key = createHash("sha256")
      .update([CACHE_FORMAT, tool, real, size, mtimeMs].join("\0"))
      .digest("hex")
      .slice(0, 20);
    return join(dir, `${tool}-${key}.json`);
  } catch {
    return undefined;
  }
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, text);
  await rename(partial, file);
}
