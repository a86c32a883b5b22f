/** `avmon doctor`: the ffmpeg and ffprobe avmon runs, asked afresh what they can do; exit 1 if one is unusable. */
import { ConfigError } from "../domain/errors.ts";
import { type BinaryOrigin, bundledBinary } from "../media/ffmpeg.ts";
import { detectFfmpeg, detectFfprobe } from "../media/ffmpeg-detection.ts";
import { type Detection, doctorReport } from "./doctor-report.ts";
import type { CliIo } from "./io.ts";

export async function doctorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length > 0) throw new ConfigError("usage: avmon doctor");
  // Fresh answers (and the cache refreshed with them): doctor is where a stale answer would mislead.
  const [ffmpeg, ffprobe] = await Promise.all([
    detect("ffmpeg", process.env.FFMPEG_PATH, "FFMPEG_PATH", (path, origin) =>
      detectFfmpeg(path, origin, { fresh: true }),
    ),
    detect("ffprobe", process.env.FFPROBE_PATH, "FFPROBE_PATH", (path, origin) =>
      detectFfprobe(path, origin, { fresh: true }),
    ),
  ]);
  const report = doctorReport({ ffmpeg, ffprobe });
  io.stdout(report.text);
  return report.usable ? 0 : 1;
}

/** Like ffmpegBinaries(), but one tool at a time, so a missing ffprobe still lets ffmpeg be reported. */
async function detect<T>(
  tool: "ffmpeg" | "ffprobe",
  fromEnv: string | undefined,
  variable: BinaryOrigin,
  run: (path: string, origin: BinaryOrigin) => Promise<T>,
): Promise<Detection<T>> {
  let path: string;
  try {
    path = fromEnv || bundledBinary(tool);
  } catch (error) {
    return {
      ok: false,
      problem: `${variable} is not set and the bundled ${tool} is not installed (${message(error)})`,
    };
  }
  try {
    return { ok: true, value: await run(path, fromEnv ? variable : "bundled") };
  } catch (error) {
    return { ok: false, problem: `${message(error)}${fromEnv ? ` (the path is ${variable}'s)` : ""}` };
  }
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
