/**
 * Generated media must be the same bytes on every machine, or a suite tuned on one would measure other clips on
 * another. x264 and x265 pick their threading from the core count and their output depends on it (x264's
 * threads; x265's frame threads, not its wavefront pool); VP9 and SVT-AV1 give the same bytes on any count.
 * Pinned to what the encoders pick on the 2-core machines the suites were tuned on (x264: 3 threads, x265: 1
 * frame thread), so clips cached there stay valid and a 64-core machine makes the same ones.
 */
import { runFfmpeg } from "../../core-service/src/media/ffmpeg.ts";

const X264_THREADS = ["-threads", "3"];
const X265_FRAME_THREADS = "frame-threads=1";
const CODEC_OPTIONS = new Set(["-c:v", "-vcodec", "-c", "-codec:v"]);

/** `args` with every x264 and x265 encode pinned; an encode's own explicit threading still wins. */
export function pinEncoderThreads(args: readonly string[]): string[] {
  const pinned: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    pinned.push(arg);
    if (!CODEC_OPTIONS.has(args[i - 1] ?? "")) continue;
    // Right after the codec, so a `-threads` or `-x264-params threads=` later in the same output overrides it.
    if (arg === "libx264") pinned.push(...X264_THREADS);
    if (arg === "libx265" && !ownX265Params(args, i)) pinned.push("-x265-params", X265_FRAME_THREADS);
  }
  return pinned.map((arg, i) =>
    pinned[i - 1] === "-x265-params" && !arg.includes("frame-threads") && arg !== X265_FRAME_THREADS
      ? `${X265_FRAME_THREADS}:${arg}`
      : arg,
  );
}

/** Whether the x265 encode whose codec is at `codecAt` sets its own `-x265-params` (before the next codec). */
function ownX265Params(args: readonly string[], codecAt: number): boolean {
  for (let i = codecAt + 1; i < args.length; i++) {
    if (CODEC_OPTIONS.has(args[i] as string)) return false;
    if (args[i] === "-x265-params") return true;
  }
  return false;
}

/** runFfmpeg for media a test generates: the same bytes on any machine. */
export function runEncoder(args: readonly string[]): Promise<{ stderr: string }> {
  return runFfmpeg(pinEncoderThreads(args));
}
