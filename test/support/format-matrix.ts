/**
 * The formats the media that exists comes in (issue 9, "the media that exists"), each as a delivery with
 * defects at known times and near-misses beside them: 10-bit HEVC, VP9 at an odd size, AV1, interlaced MPEG-2
 * and H.264 (both field orders), ProRes and DNxHR 4:2:2 10-bit, full range with an anamorphic aspect ratio, a
 * rotated phone video, a variable frame rate, MPEG-TS timestamps that wrap at 2^33, a timeline starting at 1 h,
 * audio-only and video-only sources; audio in AAC, Opus, AC-3, E-AC-3, MP2, PCM and FLAC, mono to 7.1, several
 * tracks; MP4, MOV, MKV, WebM, TS, MPG (program stream) and MXF. The accuracy corpus (accuracy-corpus.ts) covers the plainer ones.
 */
import { execFileSync } from "node:child_process";
import { ffmpegBinaries } from "../../core-service/src/media/ffmpeg.ts";
import type { DeliverySpec } from "./delivery-media.ts";
import type { Truth } from "./scoring.ts";
import type { VideoContent } from "./test-media.ts";

export interface MatrixClip {
  readonly name: string;
  readonly spec: DeliverySpec;
  readonly truths: readonly Truth[];
}

const X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "25"];
const X265 = [
  "-c:v",
  "libx265",
  "-preset",
  "ultrafast",
  "-crf",
  "28",
  "-x265-params",
  "keyint=25:log-level=error",
];
/** The PTS at which an MPEG-TS timestamp wraps, in seconds (2^33 ticks of 90 kHz). */
const PTS_WRAP_SECONDS = 2 ** 33 / 90_000;

/**
 * libsvtav1 where the ffmpeg has it (fast); else libaom-av1, slow, hence the small picture, of a fractal zoom
 * (the test pattern at 160×90 is all 4-pixel steps, which the block measure takes for a coding grid).
 */
function av1Encoder(): { size: string; content: VideoContent; encode: string[] } {
  const encoders = execFileSync(ffmpegBinaries().ffmpeg, ["-hide_banner", "-encoders"], { encoding: "utf8" });
  if (/\blibsvtav1\b/.test(encoders))
    return {
      size: "320x180",
      content: "testsrc2",
      encode: ["-c:v", "libsvtav1", "-preset", "12", "-g", "25"],
    };
  return {
    size: "160x90",
    content: "mandelbrot",
    encode: [
      "-c:v",
      "libaom-av1",
      "-cpu-used",
      "8",
      "-lag-in-frames",
      "0",
      "-strict",
      "experimental",
      "-b:v",
      "100k",
      "-g",
      "25",
    ],
  };
}

export function formatMatrix(): MatrixClip[] {
  const av1 = av1Encoder();
  return [
    {
      name: "hevc-main10-mkv-flac-5.1-and-mono",
      spec: {
        duration: 10,
        format: "matroska",
        extension: "mkv",
        video: {
          size: "320x180",
          fps: "25",
          events: [
            { type: "black", start: 1, end: 3 },
            { type: "freeze", start: 5, end: 8 },
            { type: "black", start: 9, end: 9.5 }, // a dip: not black
          ],
          encode: [...X265, "-pix_fmt", "yuv420p10le"],
        },
        audio: [
          {
            layout: "5.1",
            codec: "flac",
            events: [
              { type: "silence", start: 2, end: 5 },
              { type: "clip", start: 7, end: 8 },
            ],
          },
          { layout: "mono", codec: "flac", events: [{ type: "silence", start: 6, end: 9 }] },
        ],
      },
      truths: [
        { type: "black", start: 1, end: 3 },
        { type: "freeze", start: 5, end: 8 },
        { type: "silence", start: 2, end: 5, track: 1 },
        { type: "clipping", start: 7, end: 8, track: 1 },
        { type: "silence", start: 6, end: 9, track: 2 },
      ],
    },
    {
      name: "hevc-main-mp4-aac-7.1",
      spec: {
        duration: 10,
        format: "mp4",
        extension: "mp4",
        video: {
          size: "320x180",
          fps: "30000/1001",
          events: [
            { type: "freeze", start: 2, end: 5 },
            { type: "black", start: 7, end: 9 },
          ],
          encode: [...X265, "-pix_fmt", "yuv420p", "-tag:v", "hvc1"],
        },
        audio: [
          {
            layout: "7.1",
            codec: "aac",
            bitrate: "384k",
            events: [
              { type: "silence", start: 6, end: 9 },
              { type: "silence", start: 2, end: 3.2 }, // a pause: not silence
            ],
          },
        ],
      },
      truths: [
        { type: "freeze", start: 2, end: 5 },
        { type: "black", start: 7, end: 9 },
        { type: "silence", start: 6, end: 9 },
      ],
    },
    {
      name: "vp9-webm-odd-size-321x241-opus-5.1",
      spec: {
        duration: 10,
        format: "webm",
        extension: "webm",
        video: {
          size: "321x241",
          fps: "25",
          events: [
            { type: "black", start: 2, end: 4.5 },
            { type: "freeze", start: 6, end: 9 },
          ],
          encode: [
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "400k",
            "-g",
            "50",
          ],
        },
        audio: [
          {
            layout: "5.1",
            codec: "libopus",
            bitrate: "256k",
            events: [
              { type: "silence", start: 1, end: 4 },
              { type: "clip", start: 6, end: 7 },
            ],
          },
        ],
      },
      truths: [
        { type: "black", start: 2, end: 4.5 },
        { type: "freeze", start: 6, end: 9 },
        { type: "silence", start: 1, end: 4 },
        { type: "clipping", start: 6, end: 7 },
      ],
    },
    {
      name: "opus-webm-7.1-audio-only",
      spec: {
        duration: 10,
        format: "webm",
        extension: "webm",
        audio: [
          {
            layout: "7.1",
            codec: "libopus",
            bitrate: "320k",
            events: [
              { type: "silence", start: 3, end: 6 },
              { type: "clip", start: 8, end: 9 },
            ],
          },
        ],
      },
      truths: [
        { type: "silence", start: 3, end: 6 },
        { type: "clipping", start: 8, end: 9 },
      ],
    },
    {
      name: "av1-webm-opus-mono",
      spec: {
        duration: 8,
        format: "webm",
        extension: "webm",
        video: {
          size: av1.size,
          content: av1.content,
          fps: "25",
          events: [
            { type: "freeze", start: 1, end: 4 },
            { type: "black", start: 5, end: 7 },
          ],
          encode: av1.encode,
        },
        audio: [
          {
            layout: "mono",
            codec: "libopus",
            bitrate: "64k",
            events: [{ type: "silence", start: 3, end: 6 }],
          },
        ],
      },
      truths: [
        { type: "freeze", start: 1, end: 4 },
        { type: "black", start: 5, end: 7 },
        { type: "silence", start: 3, end: 6 },
      ],
    },
    {
      name: "mpeg2-ts-576i-bottom-field-first-ac3-5.1(side)",
      spec: {
        duration: 10,
        format: "mpegts",
        extension: "ts",
        video: {
          size: "720x576",
          fps: "50",
          events: [
            { type: "black", start: 1, end: 3 },
            { type: "freeze", start: 5, end: 8 },
            { type: "freeze", start: 8.5, end: 9.7 }, // too short to be a freeze
          ],
          // Two 50p pictures woven into each 25i frame, the bottom field first (DV and SD broadcast).
          filters: "tinterlace=interleave_bottom,setfield=bff",
          encode: ["-c:v", "mpeg2video", "-b:v", "4M", "-flags", "+ildct+ilme", "-top", "0", "-g", "12"],
        },
        audio: [
          {
            layout: "5.1(side)",
            codec: "ac3",
            bitrate: "384k",
            events: [
              { type: "silence", start: 4, end: 7 },
              { type: "clip", start: 8.5, end: 9.5 },
            ],
          },
        ],
      },
      truths: [
        { type: "black", start: 1, end: 3 },
        { type: "freeze", start: 5, end: 8 },
        { type: "silence", start: 4, end: 7 },
        { type: "clipping", start: 8.5, end: 9.5 },
      ],
    },
    {
      name: "h264-ts-1080i-top-field-first-eac3-stereo",
      spec: {
        duration: 8,
        format: "mpegts",
        extension: "ts",
        video: {
          size: "1920x1080",
          fps: "50",
          master: "libx264",
          events: [
            { type: "freeze", start: 1, end: 4 },
            { type: "black", start: 5, end: 7 },
          ],
          filters: "tinterlace=interleave_top,setfield=tff",
          encode: [...X264, "-flags", "+ildct+ilme", "-x264-params", "tff=1"],
        },
        audio: [
          {
            layout: "stereo",
            codec: "eac3",
            bitrate: "192k",
            events: [{ type: "silence", start: 2, end: 5 }],
          },
        ],
      },
      truths: [
        { type: "freeze", start: 1, end: 4 },
        { type: "black", start: 5, end: 7 },
        { type: "silence", start: 2, end: 5 },
      ],
    },
    {
      name: "h264-ts-two-tracks-ac3-mono-eac3-5.1",
      spec: {
        duration: 10,
        format: "mpegts",
        extension: "ts",
        video: { size: "320x180", fps: "25", events: [{ type: "black", start: 6, end: 8 }], encode: X264 },
        audio: [
          { layout: "mono", codec: "ac3", bitrate: "96k", events: [{ type: "silence", start: 2, end: 5 }] },
          {
            layout: "5.1",
            codec: "eac3",
            bitrate: "384k",
            events: [
              { type: "clip", start: 3, end: 4 },
              { type: "silence", start: 6.5, end: 9.5 },
            ],
          },
        ],
      },
      truths: [
        { type: "black", start: 6, end: 8 },
        { type: "silence", start: 2, end: 5, track: 1 },
        { type: "clipping", start: 3, end: 4, track: 2 },
        { type: "silence", start: 6.5, end: 9.5, track: 2 },
      ],
    },
    {
      name: "prores-422-10bit-mov-pcm-7.1",
      spec: {
        duration: 8,
        format: "mov",
        extension: "mov",
        video: {
          size: "480x270",
          fps: "25",
          events: [
            { type: "black", start: 1, end: 3 },
            { type: "freeze", start: 4.5, end: 7.5 },
          ],
          encode: ["-c:v", "prores_ks", "-profile:v", "2", "-pix_fmt", "yuv422p10le"],
        },
        audio: [{ layout: "7.1", codec: "pcm_s24le", events: [{ type: "silence", start: 2, end: 5 }] }],
      },
      truths: [
        { type: "black", start: 1, end: 3 },
        { type: "freeze", start: 4.5, end: 7.5 },
        { type: "silence", start: 2, end: 5 },
      ],
    },
    {
      name: "dnxhr-hqx-10bit-mxf-four-mono-pcm-tracks",
      spec: {
        duration: 8,
        format: "mxf",
        extension: "mxf",
        video: {
          size: "640x360",
          fps: "25",
          events: [
            { type: "freeze", start: 1, end: 4 },
            { type: "black", start: 5.5, end: 7.5 },
          ],
          encode: ["-c:v", "dnxhd", "-profile:v", "dnxhr_hqx", "-pix_fmt", "yuv422p10le"],
        },
        audio: [
          { layout: "mono", codec: "pcm_s24le", events: [{ type: "silence", start: 2, end: 5 }] },
          { layout: "mono", codec: "pcm_s24le" },
          { layout: "mono", codec: "pcm_s24le", events: [{ type: "clip", start: 6, end: 7 }] },
          { layout: "mono", codec: "pcm_s24le", events: [{ type: "silence", start: 4.5, end: 7.5 }] },
        ],
      },
      truths: [
        { type: "freeze", start: 1, end: 4 },
        { type: "black", start: 5.5, end: 7.5 },
        { type: "silence", start: 2, end: 5, track: 1 },
        { type: "clipping", start: 6, end: 7, track: 3 },
        { type: "silence", start: 4.5, end: 7.5, track: 4 },
      ],
    },
    {
      name: "mpeg2-mxf-pcm-stereo",
      spec: {
        duration: 8,
        format: "mxf",
        extension: "mxf",
        video: {
          size: "720x576",
          fps: "25",
          events: [{ type: "black", start: 2, end: 4 }],
          encode: ["-c:v", "mpeg2video", "-b:v", "8M", "-g", "12"],
        },
        audio: [{ layout: "stereo", codec: "pcm_s16le", events: [{ type: "silence", start: 5, end: 7.5 }] }],
      },
      truths: [
        { type: "black", start: 2, end: 4 },
        { type: "silence", start: 5, end: 7.5 },
      ],
    },
    {
      // MPEG program stream (.mpg: DVD and archive deliveries): MPEG-2 video, MPEG-1 Layer II audio.
      name: "mpeg2-ps-mpg-mp2-stereo",
      spec: {
        duration: 8,
        format: "mpeg",
        extension: "mpg",
        video: {
          size: "704x576",
          fps: "25",
          events: [{ type: "freeze", start: 1, end: 4 }],
          encode: ["-c:v", "mpeg2video", "-b:v", "6M", "-g", "12"],
        },
        audio: [
          {
            layout: "stereo",
            codec: "mp2",
            bitrate: "256k",
            events: [{ type: "silence", start: 4.5, end: 7 }],
          },
        ],
      },
      truths: [
        { type: "freeze", start: 1, end: 4 },
        { type: "silence", start: 4.5, end: 7 },
      ],
    },
    {
      name: "h264-mp4-full-range-anamorphic-720x576-aac-mono",
      spec: {
        duration: 10,
        format: "mp4",
        extension: "mp4",
        video: {
          size: "720x576",
          fps: "25",
          events: [
            { type: "black", start: 2, end: 4 },
            { type: "freeze", start: 6, end: 9 },
          ],
          // Full-range codes (black is 0) and 16:9 pictures stored 4:3 wide (PAL widescreen).
          filters: "scale=out_range=full,format=yuvj420p,setsar=64/45",
          encode: [...X264, "-color_range", "pc"],
        },
        audio: [
          {
            layout: "mono",
            codec: "aac",
            sampleRate: 44100,
            events: [{ type: "silence", start: 5, end: 8 }],
          },
        ],
      },
      truths: [
        { type: "black", start: 2, end: 4 },
        { type: "freeze", start: 6, end: 9 },
        { type: "silence", start: 5, end: 8 },
      ],
    },
    {
      name: "h264-mov-rotated-phone-video-aac-5.1",
      spec: {
        duration: 10,
        format: "mov",
        extension: "mov",
        video: {
          size: "640x360",
          fps: "30",
          events: [
            { type: "freeze", start: 2, end: 5 },
            { type: "black", start: 6, end: 8 },
          ],
          encode: X264,
        },
        audio: [
          {
            layout: "5.1",
            codec: "aac",
            bitrate: "256k",
            events: [
              { type: "clip", start: 3, end: 4 },
              { type: "silence", start: 6, end: 9 },
            ],
          },
        ],
        remux: ["-metadata:s:v:0", "rotate=90"],
      },
      truths: [
        { type: "freeze", start: 2, end: 5 },
        { type: "black", start: 6, end: 8 },
        { type: "clipping", start: 3, end: 4 },
        { type: "silence", start: 6, end: 9 },
      ],
    },
    {
      name: "h264-mp4-variable-frame-rate-held-pictures",
      spec: {
        duration: 10,
        format: "mp4",
        extension: "mp4",
        video: {
          size: "320x180",
          fps: "30",
          events: [
            { type: "freeze", start: 2, end: 5 },
            { type: "black", start: 6.5, end: 8.5 },
          ],
          // Irregular frame intervals, and repeated pictures dropped: a frozen or black stretch is one picture
          // held for seconds, as screen and phone recordings store it.
          filters: "select='not(eq(mod(n\\,7)\\,3)+eq(mod(n\\,11)\\,5))',mpdecimate",
          encode: [...X264, "-vsync", "vfr"],
        },
        audio: [{ layout: "stereo", codec: "aac", events: [{ type: "silence", start: 4, end: 7 }] }],
      },
      truths: [
        { type: "freeze", start: 2, end: 5 },
        { type: "black", start: 6.5, end: 8.5 },
        { type: "silence", start: 4, end: 7 },
      ],
    },
    {
      name: "h264-ts-pts-wrapping-at-2^33-aac",
      spec: {
        duration: 10,
        format: "mpegts",
        extension: "ts",
        video: {
          size: "320x180",
          fps: "25",
          events: [
            { type: "black", start: 4, end: 6 },
            { type: "freeze", start: 7, end: 9.5 },
          ],
          encode: X264,
        },
        audio: [{ layout: "stereo", codec: "aac", events: [{ type: "silence", start: 1, end: 4 }] }],
        // The timestamps pass 2^33 three seconds in (the first ones read as negative once unwrapped).
        output: ["-output_ts_offset", String(PTS_WRAP_SECONDS - 3)],
      },
      truths: [
        { type: "black", start: 4, end: 6 },
        { type: "freeze", start: 7, end: 9.5 },
        { type: "silence", start: 1, end: 4 },
      ],
    },
    {
      name: "h264-mkv-timeline-starting-at-1h-aac",
      spec: {
        duration: 10,
        format: "matroska",
        extension: "mkv",
        video: { size: "320x180", fps: "25", events: [{ type: "black", start: 1, end: 3 }], encode: X264 },
        audio: [{ layout: "stereo", codec: "aac", events: [{ type: "silence", start: 5, end: 8 }] }],
        output: ["-output_ts_offset", "3600"],
      },
      truths: [
        { type: "black", start: 1, end: 3 },
        { type: "silence", start: 5, end: 8 },
      ],
    },
    {
      name: "pcm-wav-7.1-audio-only",
      spec: {
        duration: 10,
        format: "wav",
        extension: "wav",
        audio: [
          {
            layout: "7.1",
            codec: "pcm_s16le",
            events: [
              { type: "silence", start: 2, end: 5 },
              { type: "clip", start: 7, end: 8 },
            ],
          },
        ],
      },
      truths: [
        { type: "silence", start: 2, end: 5 },
        { type: "clipping", start: 7, end: 8 },
      ],
    },
    {
      name: "h264-mkv-video-only-350x198",
      spec: {
        duration: 8,
        format: "matroska",
        extension: "mkv",
        // A size that is a multiple of neither 8 nor 16.
        video: {
          size: "350x198",
          fps: "24000/1001",
          events: [
            { type: "freeze", start: 1, end: 4 },
            { type: "black", start: 5, end: 7 },
          ],
          encode: X264,
        },
      },
      truths: [
        { type: "freeze", start: 1, end: 4 },
        { type: "black", start: 5, end: 7 },
      ],
    },
  ];
}
