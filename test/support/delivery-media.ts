/**
 * Media as it is delivered, made at test time in two steps: masters with defects at known times (test-media.ts:
 * a lossless picture, one mono PCM sound per audio track), then one ffmpeg command that makes the delivery
 * from them: any codec, pixel format, interlacing, size, aspect ratio, timestamp offset and container, and any
 * number of audio tracks each in its own layout and codec (and, copied once more, a rotation). Cached like the
 * clips.
 */
import { runEncoder } from "./encoder-threads.ts";
import {
  type AudioEvent,
  type ClipSpec,
  makeCached,
  makeClip,
  type VideoContent,
  type VideoEvent,
} from "./test-media.ts";

export interface DeliveryVideo {
  /** The master's size and rate (before `filters`). */
  readonly size: string;
  readonly fps: string;
  readonly content?: VideoContent;
  readonly events?: readonly VideoEvent[];
  readonly gop?: number;
  /** The master's codec: lossless FFV1 (default), or H.264 where a lossless master would be too large. */
  readonly master?: "ffv1" | "libx264";
  /** Filters between master and encoder (interlacing, scaling, aspect ratio), without a trailing comma. */
  readonly filters?: string;
  /** The encoder and its options (`-c:v …`), for the one video stream. */
  readonly encode: readonly string[];
}

export interface DeliveryAudioTrack {
  /** The channel layout the track is delivered in; every channel carries the master's sound. */
  readonly layout: "mono" | "stereo" | "5.1" | "5.1(side)" | "7.1" | "6.1" | "hexagonal" | "4.0";
  readonly events?: readonly AudioEvent[];
  /** Peak level of the programme tone, dBFS (default −23). */
  readonly dbfs?: number;
  readonly codec: string;
  readonly bitrate?: string;
  readonly sampleRate?: number;
}

export interface DeliverySpec {
  readonly duration: number;
  /** ffmpeg's muxer name (mp4, mov, matroska, webm, mpegts, mxf, vob, wav) and the file's extension. */
  readonly format: string;
  readonly extension: string;
  readonly video?: DeliveryVideo;
  readonly audio?: readonly DeliveryAudioTrack[];
  /** Output options before the muxer: timestamp offsets, stream dispositions. */
  readonly output?: readonly string[];
  /**
   * Options of a stream-copy remux of the result, for what ffmpeg only writes when copying (a rotation
   * matrix: `-metadata:s:v:0 rotate=90`).
   */
  readonly remux?: readonly string[];
}

const CHANNELS: Record<DeliveryAudioTrack["layout"], number> = {
  mono: 1,
  stereo: 2,
  "4.0": 4,
  "5.1": 6,
  "5.1(side)": 6,
  hexagonal: 6,
  "6.1": 7,
  "7.1": 8,
};

export async function makeDelivery(spec: DeliverySpec): Promise<string> {
  const video = spec.video && (await makeClip(videoMaster(spec.duration, spec.video)));
  const sounds: string[] = [];
  for (const track of spec.audio ?? []) sounds.push(await makeClip(soundMaster(spec.duration, track)));
  const inputs = [...(video ? [video] : []), ...sounds];
  const graph: string[] = [];
  const maps: string[] = [];
  if (spec.video && video) {
    graph.push(`[0:v]${spec.video.filters ?? "null"}[v]`);
    maps.push("-map", "[v]", ...spec.video.encode);
  }
  for (const [i, track] of (spec.audio ?? []).entries()) {
    const input = i + (video ? 1 : 0);
    const channels = CHANNELS[track.layout];
    const pan = Array.from({ length: channels }, (_, c) => `c${c}=c0`).join("|");
    graph.push(`[${input}:a]pan=${track.layout}|${pan}[a${i}]`);
    maps.push("-map", `[a${i}]`, `-c:a:${i}`, track.codec);
    if (track.bitrate) maps.push(`-b:a:${i}`, track.bitrate);
    maps.push(`-ar:a:${i}`, String(track.sampleRate ?? 48000));
  }
  const args = [
    ...inputs.flatMap((path) => ["-i", path]),
    ...["-filter_complex", graph.join(";"), ...maps],
    ...["-t", String(spec.duration), ...(spec.output ?? []), "-f", spec.format],
  ];
  const encoded = await makeCached({ delivery: args }, spec.extension, async (partial) => {
    await runEncoder(["-y", ...args, partial]);
  });
  if (!spec.remux) return encoded;
  const remux = ["-i", encoded, "-map", "0", "-c", "copy", ...spec.remux, "-f", spec.format];
  return makeCached({ remux }, spec.extension, async (partial) => {
    await runEncoder(["-y", ...remux, partial]);
  });
}

function videoMaster(duration: number, video: DeliveryVideo): ClipSpec {
  return {
    duration,
    container: "mkv",
    video: {
      codec: video.master ?? "ffv1",
      size: video.size,
      fps: video.fps,
      content: video.content,
      events: video.events,
      gop: video.gop,
    },
  };
}

function soundMaster(duration: number, track: DeliveryAudioTrack): ClipSpec {
  return {
    duration,
    container: "wav",
    audio: {
      codec: "pcm_s16le",
      channels: 1,
      sampleRate: track.sampleRate,
      dbfs: track.dbfs,
      events: track.events,
    },
  };
}
