/**
 * What the container's ffmpeg can do, declared for the ingest Lambda: it cannot run ffmpeg, yet must refuse at
 * submission what the workers cannot read. The container installs Debian bookworm's ffmpeg 5.1 as
 * /usr/bin/ffmpeg and /usr/bin/ffprobe (core-service/Dockerfile). test/production-ffmpeg/container-ffmpeg.test.ts
 * holds this declaration to that real binary, item by item over what avmon asks of ffmpeg
 * (ffmpeg-requirements.ts), and checks the Dockerfile still installs it: a package change that drops, say, SRT
 * fails CI instead of letting the Lambda accept jobs the workers cannot run.
 */
import type { FfmpegSupport } from "./source-support.ts";

export const CONTAINER_FFMPEG = {
  /** The Debian release of the Dockerfile's base image, whose `ffmpeg` package this describes. */
  debianRelease: "bookworm",
  path: { ffmpeg: "/usr/bin/ffmpeg", ffprobe: "/usr/bin/ffprobe" },
  /** ffmpeg and ffprobe come from the same package and libraries, so they open the same protocols. */
  protocols: ["file", "http", "tcp", "https", "tls", "rtmp", "srt", "udp"],
  demuxers: ["hls", "flv", "mpegts", "mov", "mp4", "matroska", "webm", "mpeg", "mxf", "wav"],
  decoders: [
    "h264",
    "hevc",
    "vp9",
    "av1",
    "mpeg2video",
    "mpeg4",
    "prores",
    "dnxhd",
    "vp8",
    "aac",
    "ac3",
    "eac3",
    "opus",
    "flac",
    "mp2",
    "mp3",
    "pcm_s16le",
    "pcm_s24le",
    "pcm_s16be",
    "pcm_s24be",
  ],
  filters: [
    "fps",
    "select",
    "split",
    "null",
    "format",
    "extractplanes",
    "scale",
    "aresample",
    "aformat",
    "asplit",
    "blockdetect",
    "ebur128",
    "idet",
    "aphasemeter",
    "aspectralstats",
    "blackdetect",
    "freezedetect",
    "silencedetect",
  ],
} as const;

const LABEL = `the workers' ffmpeg (Debian ${CONTAINER_FFMPEG.debianRelease}'s 5.1)`;

/** The container's capabilities as submission checks read them. */
export async function containerFfmpegSupport(): Promise<FfmpegSupport> {
  return {
    ffmpeg: { label: LABEL, protocols: CONTAINER_FFMPEG.protocols, demuxers: CONTAINER_FFMPEG.demuxers },
    ffprobe: { label: LABEL, protocols: CONTAINER_FFMPEG.protocols },
    remedy: "This deployment cannot read such sources.",
  };
}
