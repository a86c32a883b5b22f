/**
 * Clips for the accuracy of the sync and channel detectors (av-sync, channel-loss, phase, test-signal), each
 * with what must be found and, beside it, what must not: offsets inside the tolerance, losses and inversions
 * shorter than the minimum, mono carried as stereo, a silent LFE, programme without any test signal.
 */

import type { Truth } from "./scoring.ts";
import {
  type ChannelEvent,
  makeProgrammeClip,
  makeSyncClip,
  type ProgrammeClip,
  type SyncClip,
} from "./signal-media.ts";

export interface SignalTruth extends Truth {
  /** av-sync: the offset that must be measured, ms (positive = audio late), within ±10 ms. */
  readonly offsetMs?: number;
  /** channel-loss, phase: the channels that must be named. */
  readonly channels?: readonly string[];
}

export interface SignalClip {
  readonly name: string;
  readonly make: () => Promise<string>;
  readonly truths: readonly SignalTruth[];
  /** The report's audio summary must say this. */
  readonly monoInStereo?: boolean;
}

const sync = (name: string, clip: SyncClip, truths: readonly SignalTruth[]): SignalClip => ({
  name,
  make: () => makeSyncClip(clip),
  truths,
});

const programme = (
  name: string,
  clip: ProgrammeClip,
  truths: readonly SignalTruth[],
  monoInStereo?: boolean,
) => ({
  name,
  make: () => makeProgrammeClip(clip),
  truths,
  monoInStereo,
});

const steady = (offsetMs: number) => [{ from: 0, to: 100, offsetMs }];
const everyChannel = (layout: "stereo" | "5.1"): string[] =>
  layout === "stereo" ? ["FL", "FR"] : ["FL", "FR", "FC", "BL", "BR"];
const tone = (layout: "stereo" | "5.1", from: number, to: number, dbfs = -18): ChannelEvent => ({
  type: "tone",
  channels: everyChannel(layout),
  from,
  to,
  dbfs,
});

export const SIGNAL_CORPUS: readonly SignalClip[] = [
  // A/V sync on a flash/beep test signal (flashes from 1 s, once a second, to the end).
  sync(
    "sync-audio-late-300ms-mp4",
    { seconds: 13, container: "mp4", background: "black", stretches: steady(300) },
    [{ type: "av-sync", start: 1, end: 13, offsetMs: 300 }],
  ),
  sync(
    "sync-audio-early-120ms-ts",
    { seconds: 13, container: "ts", background: "testsrc2", stretches: steady(-120) },
    [{ type: "av-sync", start: 0.88, end: 13, offsetMs: -120 }],
  ),
  sync(
    "sync-late-then-early-mp4",
    {
      seconds: 32,
      container: "mp4",
      background: "black",
      stretches: [
        { from: 0, to: 8, offsetMs: 0 },
        { from: 8, to: 16, offsetMs: 250 },
        { from: 16, to: 20, offsetMs: 30 },
        { from: 20, to: 28, offsetMs: -150 },
        { from: 28, to: 40, offsetMs: -20 },
      ],
    },
    [
      { type: "av-sync", start: 8, end: 16, offsetMs: 250 },
      { type: "av-sync", start: 19.85, end: 28, offsetMs: -150 },
    ],
  ),
  sync("sync-in-step-ts", { seconds: 10, container: "ts", background: "black", stretches: steady(0) }, []),
  sync(
    "sync-late-within-tolerance-mp4",
    { seconds: 10, container: "mp4", background: "testsrc2", stretches: steady(150) },
    [],
  ),
  sync(
    "sync-early-within-tolerance-ts",
    { seconds: 10, container: "ts", background: "black", stretches: steady(-80) },
    [],
  ),
  sync(
    "sync-audio-2s-short-mp4",
    { seconds: 12, container: "mp4", background: "testsrc2", stretches: steady(0), audioShortBy: 2 },
    [{ type: "av-sync", start: 10, end: 12 }],
  ),

  // Channels dropped.
  programme(
    "stereo-right-dropped-m4a",
    {
      seconds: 16,
      container: "m4a",
      layout: "stereo",
      events: [{ type: "drop", channels: ["FR"], from: 4, to: 12 }],
    },
    [{ type: "channel-loss", start: 4, end: 12, channels: ["FR"] }],
  ),
  programme(
    "surround-backs-dropped-mp4",
    {
      seconds: 14,
      container: "mp4",
      layout: "5.1",
      video: true,
      events: [{ type: "drop", channels: ["BL", "BR"], from: 3, to: 11 }],
    },
    [{ type: "channel-loss", start: 3, end: 11, channels: ["BL", "BR"] }],
  ),
  programme(
    "stereo-short-drop-and-pause-ts",
    {
      seconds: 14,
      container: "ts",
      layout: "stereo",
      video: true,
      events: [
        { type: "drop", channels: ["FL"], from: 2, to: 5 }, // shorter than the minimum: no loss
        { type: "drop", channels: ["FL", "FR"], from: 8, to: 12 }, // the whole track: silence, not a loss
      ],
    },
    [],
  ),

  // Channels in anti-phase.
  programme(
    "stereo-right-inverted-mkv",
    {
      seconds: 16,
      container: "mkv",
      layout: "stereo",
      video: true,
      events: [{ type: "invert", channels: ["FR"], from: 5, to: 13 }],
    },
    [{ type: "phase", start: 5, end: 13, channels: ["FL", "FR"] }],
  ),
  programme(
    "surround-back-inverted-m4a",
    {
      seconds: 12,
      container: "m4a",
      layout: "5.1",
      events: [{ type: "invert", channels: ["BR"], from: 4, to: 10 }],
    },
    [{ type: "phase", start: 4, end: 10, channels: ["BL", "BR"] }],
  ),
  programme(
    "stereo-short-inversion-m4a",
    {
      seconds: 10,
      container: "m4a",
      layout: "stereo",
      events: [{ type: "invert", channels: ["FL"], from: 3, to: 5 }],
    },
    [],
  ),
  programme(
    "mono-in-stereo-mkv",
    { seconds: 10, container: "mkv", layout: "stereo", identical: true, video: true },
    [],
    true,
  ),
  programme(
    "stereo-programme-mp4",
    { seconds: 12, container: "mp4", layout: "stereo", video: true },
    [],
    false,
  ),
  programme(
    "surround-programme-silent-lfe-ts",
    { seconds: 12, container: "ts", layout: "5.1", video: true },
    [],
  ),

  // Line-up tone in place of programme.
  programme(
    "stereo-tone-18-ts",
    { seconds: 16, container: "ts", layout: "stereo", video: true, events: [tone("stereo", 3, 13)] },
    [{ type: "test-signal", start: 3, end: 13 }],
  ),
  programme(
    "mono-tone-20-m4a",
    {
      seconds: 11,
      container: "m4a",
      layout: "mono",
      events: [{ type: "tone", channels: ["FC"], from: 2, to: 9, dbfs: -20 }],
    },
    [{ type: "test-signal", start: 2, end: 9 }],
  ),
  programme(
    "surround-tone-mp4",
    { seconds: 14, container: "mp4", layout: "5.1", events: [tone("5.1", 0, 8)] },
    [{ type: "test-signal", start: 0, end: 8 }],
  ),
  programme(
    "stereo-short-tone-m4a",
    { seconds: 10, container: "m4a", layout: "stereo", events: [tone("stereo", 2, 5.5)] }, // an ident: too short
    [],
  ),
];
