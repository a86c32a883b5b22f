/**
 * Finds the streams of a live source by letting ffmpeg open it and print its input summary. ffprobe is not
 * used here: the packaged ffprobe build crashes on MPEG-TS (the container of HLS segments, MPEG-TS over
 * HTTP/UDP and SRT), while the ffmpeg that decodes them reads it fine. The probe is killed when the job stops.
 */
import { AbortedError, UnsupportedMediaError } from "../domain/errors.ts";
import { classifyFfmpegFailure, StderrTail, spawnFfmpeg } from "../media/ffmpeg.ts";
import { parseInputSummary } from "../media/input-summary.ts";
import type { MediaInfo } from "../media/probe.ts";
import type { ResolvedSource } from "../media/source.ts";
import { liveInputOptions } from "./live-args.ts";

export function probeLive(
  source: ResolvedSource,
  readTimeout: number,
  signal: AbortSignal,
  maxPixels?: number,
): Promise<MediaInfo> {
  // No output file: ffmpeg opens the input, prints what it found, and exits.
  const child = spawnFfmpeg([...liveInputOptions(source, readTimeout, maxPixels), "-i", source.input], {
    signal,
  });
  const stderr = new StderrTail();
  child.stderr?.setEncoding("utf8").on("data", (d: string) => stderr.append(d));
  child.stdout?.resume();
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(error));
    child.once("close", (code) => {
      if (signal.aborted) return reject(new AbortedError("live probe was stopped"));
      const text = stderr.toString();
      const media = parseInputSummary(text);
      if (media) return resolve(media);
      const failure = classifyFfmpegFailure(text, source.original, code);
      reject(
        /output file must be specified/i.test(text)
          ? new UnsupportedMediaError(`${source.original}: no audio or video stream`)
          : failure,
      );
    });
  });
}
