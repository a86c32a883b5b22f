/**
 * The clips the accuracy suite analyses: each with defects at known times and known non-defects beside them,
 * spread over codecs, containers, frame rates and audio layouts. `truths` lists what must be found; everything
 * else in a clip (short dips, pauses, quiet passages, night scenes, noisy static shots) must not be.
 */

import type { Truth } from "./scoring.ts";
import type { ClipSpec } from "./test-media.ts";

export interface CorpusClip {
  readonly name: string;
  readonly spec: ClipSpec;
  readonly truths: readonly Truth[];
}

export const CORPUS: readonly CorpusClip[] = [
  {
    name: "h264-mp4-25fps-stereo-aac",
    spec: {
      duration: 16,
      container: "mp4",
      video: {
        codec: "libx264",
        size: "320x180",
        fps: "25",
        gop: 25,
        events: [
          { type: "black", start: 1, end: 3.5 },
          { type: "black", start: 5, end: 5.5 }, // a dip shorter than a second: not black
          { type: "freeze", start: 7, end: 10 },
          { type: "freeze", start: 12, end: 13.2 }, // too short to be a freeze
        ],
      },
      audio: {
        codec: "aac",
        channels: 2,
        events: [
          { type: "silence", start: 2, end: 5 },
          { type: "silence", start: 7, end: 8.4 }, // a pause under 1.5 s: not silence
          { type: "clip", start: 11, end: 12 },
        ],
      },
    },
    truths: [
      { type: "black", start: 1, end: 3.5 },
      { type: "freeze", start: 7, end: 10 },
      { type: "silence", start: 2, end: 5 },
      { type: "clipping", start: 11, end: 12 },
      // A passage pinned at full scale is also over R128's −1 dBTP; too short (1 s) to be a loud burst.
      { type: "loudness", start: 11, end: 12 },
    ],
  },
  {
    name: "hevc-mkv-29.97fps-mono-aac",
    spec: {
      duration: 14,
      container: "mkv",
      video: {
        codec: "libx265",
        size: "320x180",
        fps: "30000/1001",
        gop: 30,
        events: [
          { type: "freeze", start: 2, end: 5 },
          { type: "black", start: 8, end: 11 },
        ],
      },
      audio: {
        codec: "aac",
        channels: 1,
        sampleRate: 44100,
        events: [
          { type: "level", start: 2, end: 5, dbfs: -45 }, // a quiet passage: not silence
          { type: "silence", start: 8, end: 11.5 },
        ],
      },
    },
    truths: [
      { type: "freeze", start: 2, end: 5 },
      { type: "black", start: 8, end: 11 },
      { type: "silence", start: 8, end: 11.5 },
    ],
  },
  {
    name: "vp9-webm-50fps-stereo-opus-night",
    spec: {
      duration: 12,
      container: "webm",
      video: {
        codec: "libvpx-vp9",
        size: "320x180",
        fps: "50",
        gop: 50,
        content: "night",
        events: [{ type: "freeze", start: 3, end: 6.5 }],
      },
      audio: { codec: "libopus", channels: 2, events: [{ type: "silence", start: 7, end: 10 }] },
    },
    truths: [
      { type: "freeze", start: 3, end: 6.5 },
      { type: "silence", start: 7, end: 10 },
    ],
  },
  {
    name: "mpeg2-ts-25fps-5.1-ac3",
    spec: {
      duration: 14,
      container: "ts",
      video: {
        codec: "mpeg2video",
        size: "352x288",
        fps: "25",
        gop: 12,
        events: [
          { type: "black", start: 2, end: 6 }, // a black picture is also a still one: black, not freeze
          { type: "freeze", start: 9, end: 12 },
        ],
      },
      audio: {
        codec: "ac3",
        channels: 6,
        events: [
          { type: "clip", start: 3, end: 4 },
          { type: "silence", start: 8, end: 10.5 },
        ],
      },
    },
    truths: [
      { type: "black", start: 2, end: 6 },
      { type: "freeze", start: 9, end: 12 },
      { type: "clipping", start: 3, end: 4 },
      { type: "loudness", start: 3, end: 4 }, // the clipped second's true peak, over −1 dBTP
      { type: "silence", start: 8, end: 10.5 },
    ],
  },
  {
    name: "mpeg2-ps-mpg-25fps-stereo-mp2",
    spec: {
      duration: 12,
      container: "mpg",
      video: {
        codec: "mpeg2video",
        size: "320x240",
        fps: "25",
        gop: 15,
        events: [
          { type: "freeze", start: 1.5, end: 4.5 },
          { type: "black", start: 7, end: 9 },
        ],
      },
      audio: { codec: "mp2", channels: 2, events: [{ type: "silence", start: 5, end: 8 }] },
    },
    truths: [
      { type: "freeze", start: 1.5, end: 4.5 },
      { type: "black", start: 7, end: 9 },
      { type: "silence", start: 5, end: 8 },
    ],
  },
  {
    name: "h264-mov-noisy-static-shot",
    spec: {
      duration: 14,
      container: "mov",
      // A still camera with sensor noise for 8 s (not frozen), then the signal freezes (the noise stops).
      video: {
        codec: "libx264",
        size: "320x180",
        fps: "25",
        gop: 25,
        content: "noisy-static",
        events: [{ type: "freeze", start: 8, end: 12 }],
      },
      audio: { codec: "aac", channels: 2 },
    },
    truths: [{ type: "freeze", start: 8, end: 12 }],
  },
  {
    name: "h264-mp4-slow-zoom",
    spec: {
      duration: 10,
      container: "mp4",
      video: {
        codec: "libx264",
        size: "320x180",
        fps: "25",
        content: "mandelbrot",
        events: [{ type: "freeze", start: 4, end: 7 }],
      },
    },
    truths: [{ type: "freeze", start: 4, end: 7 }],
  },
  {
    name: "h264-mp4-starved-encoder-mandelbrot",
    spec: {
      duration: 10,
      container: "mp4",
      // 3–5.5 s comes from a starved encoder (coarsest quantiser, no deblocking); the rest is CRF 23.
      video: {
        codec: "libx264",
        size: "320x240",
        fps: "25",
        content: "mandelbrot",
        events: [{ type: "blocking", start: 3, end: 5.5 }],
      },
      audio: { codec: "aac", channels: 2 },
    },
    truths: [{ type: "blockiness", start: 3, end: 5.5 }],
  },
  {
    name: "h264-mkv-starved-encoder-twice",
    spec: {
      duration: 10,
      container: "mkv",
      video: {
        codec: "libx264",
        size: "320x240",
        fps: "25",
        events: [
          { type: "blocking", start: 2, end: 4 },
          { type: "freeze", start: 5, end: 6 }, // a short still moment between the two starved stretches
          { type: "blocking", start: 6.5, end: 8 },
        ],
      },
    },
    truths: [
      { type: "blockiness", start: 2, end: 4 },
      { type: "blockiness", start: 6.5, end: 8 },
    ],
  },
  {
    name: "h264-ts-damaged-packets",
    spec: {
      duration: 10,
      container: "ts",
      // Keyframes every second. A burst of loss damages every picture from 4.0 to 4.6 s; the decoder conceals
      // the damage, which lasts until the keyframe at 5 s.
      video: {
        codec: "libx264",
        size: "320x240",
        fps: "25",
        gop: 25,
        content: "mandelbrot",
        events: [{ type: "damage", start: 4, end: 4.6 }],
      },
      audio: { codec: "aac", channels: 2 },
    },
    truths: [{ type: "blockiness", start: 4, end: 5 }],
  },
  {
    name: "mpeg2-ts-damaged-packets",
    spec: {
      duration: 10,
      container: "ts",
      // Keyframes every second; pictures from 6.0 to 6.6 s are damaged in transit, concealed until 7 s.
      video: {
        codec: "mpeg2video",
        size: "352x288",
        fps: "25",
        gop: 25,
        events: [{ type: "damage", start: 6, end: 6.6 }],
      },
      audio: { codec: "mp2", channels: 2 },
    },
    truths: [{ type: "blockiness", start: 6, end: 7 }],
  },
  {
    // A loud commercial or a gain error: 4.5 s far above the programme, beside a loud moment too short to be one.
    name: "aac-m4a-5.1-loud-burst",
    spec: {
      duration: 20,
      container: "m4a",
      audio: {
        codec: "aac",
        channels: 6,
        events: [
          { type: "level", start: 8, end: 12.5, dbfs: -8 }, // 15 LU above the programme, 19.6 above target
          { type: "level", start: 15, end: 17, dbfs: -10 }, // 2 s: a loud moment, not a burst
        ],
      },
    },
    truths: [{ type: "loudness", start: 8, end: 12.5 }],
  },
  {
    name: "aac-m4a-stereo-loudness",
    spec: {
      duration: 40,
      container: "m4a",
      audio: {
        codec: "aac",
        channels: 2,
        events: [
          { type: "level", start: 5, end: 18, dbfs: -11 }, // 12 LU too loud
          { type: "level", start: 24, end: 37, dbfs: -40 }, // 17 LU too quiet
        ],
      },
    },
    truths: [
      { type: "loudness", start: 5, end: 18 },
      { type: "loudness", start: 24, end: 37 },
    ],
  },
];
