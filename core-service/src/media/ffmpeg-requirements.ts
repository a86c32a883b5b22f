/**
 * What avmon asks of ffmpeg, in one place: the kinds of source it reads and the protocols and demuxers each
 * needs, the decoders of the media that exists, and the filters its decoding graphs use (and ones it may use).
 * `avmon doctor` reports against these lists, sources are refused at submission by them, and the container's
 * declared capabilities (container-ffmpeg.ts) are held to them.
 */

export interface SourceKind {
  /** Also the URL scheme of the kind, when it has one ("srt" for srt://). */
  readonly name: string;
  readonly protocols: readonly string[];
  readonly demuxers: readonly string[];
  /** The optional library a build needs for it, named in advice. */
  readonly library?: string;
  /** Only live jobs read it, and they are probed by ffmpeg itself: ffprobe need not open it. */
  readonly liveOnly?: true;
  readonly use: string;
}

export const SOURCE_KINDS: readonly SourceKind[] = [
  { name: "file", protocols: ["file"], demuxers: [], use: "local files (CLI and local stack)" },
  { name: "http", protocols: ["http", "tcp"], demuxers: [], use: "files and HLS over http://" },
  {
    name: "https",
    protocols: ["https", "tls"],
    demuxers: [],
    library: "GnuTLS or OpenSSL",
    use: "files and HLS over https:// (and S3 objects on AWS)",
  },
  { name: "hls", protocols: [], demuxers: ["hls"], use: "HLS playlists (.m3u8), file and live jobs" },
  { name: "rtmp", protocols: ["rtmp", "tcp"], demuxers: ["flv"], liveOnly: true, use: "live jobs over RTMP" },
  {
    name: "srt",
    protocols: ["srt"],
    demuxers: ["mpegts"],
    library: "libsrt",
    liveOnly: true,
    use: "live jobs over SRT",
  },
  {
    name: "udp",
    protocols: ["udp"],
    demuxers: ["mpegts"],
    liveOnly: true,
    use: "live jobs, MPEG-TS over UDP",
  },
];

export function sourceKind(name: string): SourceKind | undefined {
  return SOURCE_KINDS.find((kind) => kind.name === name);
}

/** Containers of the media avmon is meant for (demuxer names). */
export const CONTAINERS: readonly string[] = [
  "mov",
  "mp4",
  "matroska",
  "webm",
  "mpegts",
  "mpeg",
  "mxf",
  "wav",
];

/** Codecs (ffprobe's `codec_name`) of the media broadcasters and OTT platforms hold. */
export const DECODERS = {
  video: ["h264", "hevc", "vp9", "av1", "mpeg2video", "mpeg4", "prores", "dnxhd", "vp8"],
  audio: [
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
} as const;

/** Filters avmon's decoding graphs use (media/decode-args.ts, media/luma-filters.ts, live/live-args.ts). */
export const FILTERS_USED: readonly string[] = [
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
];

/** Filters avmon may use, or checks its own measures against, with what for. */
export const FILTERS_MAY_USE: readonly { readonly name: string; readonly use: string }[] = [
  { name: "blockdetect", use: "block-corruption score (FFmpeg 5.0+)" },
  { name: "ebur128", use: "R128 loudness meter with true peak" },
  { name: "idet", use: "interlace detection" },
  { name: "aphasemeter", use: "phase and mono-on-stereo" },
  { name: "aspectralstats", use: "test-tone detection (FFmpeg 5.1+)" },
  { name: "blackdetect", use: "black-picture reference" },
  { name: "freezedetect", use: "freeze reference" },
  { name: "silencedetect", use: "silence reference" },
];

/** Every protocol and demuxer the source kinds and containers name, for declarations held to a binary. */
export function requiredProtocols(): string[] {
  return unique(SOURCE_KINDS.flatMap((kind) => kind.protocols));
}

export function requiredDemuxers(): string[] {
  return unique([...SOURCE_KINDS.flatMap((kind) => kind.demuxers), ...CONTAINERS]);
}

export function listedDecoders(): string[] {
  return [...DECODERS.video, ...DECODERS.audio];
}

export function listedFilters(): string[] {
  return [...FILTERS_USED, ...FILTERS_MAY_USE.map((filter) => filter.name)];
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
