/**
 * What the container's ffmpeg can do, declared for the ingest Lambda: it cannot run ffmpeg, yet must refuse at
 * submission what the workers cannot read. The container installs Debian bookworm's ffmpeg 5.1 as
 * /usr/bin/ffmpeg and /usr/bin/ffprobe (core-service/Dockerfile). It is declared by what it lacks of everything
 * avmon asks of ffmpeg (ffmpeg-requirements.ts): test/production-ffmpeg/container-ffmpeg.test.ts holds that to
 * the real binary, item by item, and checks that the Dockerfile still installs it, so a package change that
 * drops, say, SRT fails CI instead of letting the Lambda accept jobs the workers cannot run.
 */
import { requiredProtocols } from "./ffmpeg-requirements.ts";
import type { FfmpegSupport } from "./source-support.ts";

export const CONTAINER_FFMPEG = {
  /** The Debian release of the Dockerfile's base image, whose `ffmpeg` package this describes. */
  debianRelease: "bookworm",
  path: { ffmpeg: "/usr/bin/ffmpeg", ffprobe: "/usr/bin/ffprobe" },
  /** Of what avmon asks about, what bookworm's ffmpeg 5.1 (and its ffprobe, same libraries) lacks: nothing. */
  lacks: {
    protocols: [] as readonly string[],
    demuxers: [] as readonly string[],
    decoders: [] as readonly string[],
    filters: [] as readonly string[],
  },
} as const;

const LABEL = `the workers' ffmpeg (Debian ${CONTAINER_FFMPEG.debianRelease}'s 5.1)`;

/** The container's capabilities as submission checks read them. */
export async function containerFfmpegSupport(): Promise<FfmpegSupport> {
  const protocols = requiredProtocols().filter((p) => !CONTAINER_FFMPEG.lacks.protocols.includes(p));
  return {
    // Demuxers left undefined are not checked; the container lacks none of those avmon asks about.
    ffmpeg: { label: LABEL, protocols },
    ffprobe: { label: LABEL, protocols },
    remedy: "This deployment cannot read such sources.",
  };
}
