/**
 * Test media for the sync and channel detectors, generated with ffmpeg at test time (cached like the other test
 * clips, see test-media.ts):
 * - sync clips: a flash/beep sync signal (one white picture and an 80 ms 1 kHz beep at −18 dBFS, once a second
 *   from 1 s) whose beeps are offset from their flashes by a known amount per stretch of the clip;
 * - programme clips: music-like sound (a melody common to the front channels, uncorrelated ambience in each)
 *   in stereo, mono or 5.1, with channels dropped, inverted or replaced by a line-up tone over known windows.
 */
import { makeWithFfmpeg } from "./test-media.ts";

export type Container = "mp4" | "ts" | "mkv" | "m4a";

/** Flashes at whole seconds in [from, to) have their beep `offsetMs` later (negative: earlier). */
export interface SyncStretch {
  readonly from: number;
  readonly to: number;
  readonly offsetMs: number;
}

export interface SyncClip {
  readonly seconds: number;
  readonly container: Exclude<Container, "m4a">;
  readonly background: "black" | "testsrc2";
  readonly stretches: readonly SyncStretch[];
  /** Audio this many seconds shorter than the video (cut at its end). */
  readonly audioShortBy?: number;
}

export function makeSyncClip(clip: SyncClip): Promise<string> {
  const rate = 25;
  const background =
    clip.background === "black"
      ? `color=c=black:s=320x180:r=${rate}:d=${clip.seconds}`
      : `testsrc2=s=320x180:r=${rate}:d=${clip.seconds}`;
  // One white picture at every whole second from 1 s: the frames before the first give the flash a background.
  const video = `${background},format=yuv420p,drawbox=enable='eq(mod(n\\,${rate})\\,0)*gte(n\\,${rate})':color=white:t=fill`;
  const beepAt = (offset: number) =>
    `gte(t-${offset}\\,1)*lt(mod(t-${offset}\\,1)\\,0.08)*0.1259*sin(2*PI*1000*(t-${offset}))`;
  // Stretches change between beeps (half a second from the flashes), so no beep is cut.
  const beeps = clip.stretches.reduceRight(
    (rest, s) => `if(between(t\\,${s.from - 0.5}\\,${s.to - 0.5})\\,${beepAt(s.offsetMs / 1000)}\\,${rest})`,
    "0",
  );
  const audioSeconds = clip.seconds - (clip.audioShortBy ?? 0);
  const args = [
    ...["-f", "lavfi", "-i", video],
    ...["-f", "lavfi", "-i", `aevalsrc='${beeps}|${beeps}':s=48000:c=stereo:d=${audioSeconds}`],
    ...["-c:v", "libx264", "-preset", "veryfast", "-g", String(rate), "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", "-b:a", "160k"],
    ...(clip.container === "ts" ? ["-f", "mpegts"] : []),
  ];
  return makeWithFfmpeg(args, clip.container);
}

export type Layout = "mono" | "stereo" | "5.1";
export const LAYOUT_CHANNELS: Record<Layout, readonly string[]> = {
  mono: ["FC"],
  stereo: ["FL", "FR"],
  "5.1": ["FL", "FR", "FC", "LFE", "BL", "BR"],
};

/** Over [from, to): the channels (by name) dropped to digital silence, inverted, or carrying a line-up tone. */
export interface ChannelEvent {
  readonly type: "drop" | "invert" | "tone";
  readonly channels: readonly string[];
  readonly from: number;
  readonly to: number;
  /** Peak level of the tone, dBFS (default −18). */
  readonly dbfs?: number;
}

export interface ProgrammeClip {
  readonly seconds: number;
  readonly container: Container;
  readonly layout: Layout;
  readonly events?: readonly ChannelEvent[];
  /** The same sound on every channel (mono carried as stereo). */
  readonly identical?: boolean;
  /** A 320x180 test picture beside the sound (otherwise sound only; `m4a` is always sound only). */
  readonly video?: boolean;
}

export function makeProgrammeClip(clip: ProgrammeClip): Promise<string> {
  const names = LAYOUT_CHANNELS[clip.layout];
  const n = names.length;
  // A melody stepping through notes, with a tremolo: the part of the programme the front channels share.
  const melody =
    "0.25*sin(2*PI*(220+55*floor(mod(t*2\\,6)))*t)*(0.6+0.4*sin(2*PI*0.7*t))+0.12*sin(2*PI*(660+110*floor(mod(t*3\\,4)))*t)";
  const sources = [
    `aevalsrc='${melody}':s=48000:c=mono:d=${clip.seconds}`,
    ...names.map((_, i) => `anoisesrc=color=pink:seed=${i + 1}:amplitude=0.25:r=48000:d=${clip.seconds}`),
  ];
  const mix = names.map((name, i) => {
    if (clip.identical) return `c${i}=0.7*c0+0.4*c1`;
    if (name === "LFE") return `c${i}=0*c0`;
    if (name === "BL" || name === "BR") return `c${i}=0.35*c0+0.25*c${i + 1}`;
    return `c${i}=0.7*c0+0.4*c${i + 1}`;
  });
  const channelLayout = clip.layout === "mono" ? "mono" : clip.layout === "stereo" ? "stereo" : "5.1";
  const perChannel = names.map((name, i) =>
    (clip.events ?? [])
      .filter((e) => e.channels.includes(name))
      .reduceRight(
        (rest, e) => `if(between(t\\,${e.from}\\,${e.to - 1e-4})\\,${eventValue(e, i)}\\,${rest})`,
        `val(${i})`,
      ),
  );
  const graph = [
    ...sources.map((s, i) => `${s}[s${i}]`),
    `${sources.map((_, i) => `[s${i}]`).join("")}amerge=inputs=${sources.length},pan=${channelLayout}|${mix.join("|")},aeval='${perChannel.join("|")}':c=same[audio]`,
  ].join(";");
  const withVideo = clip.video && clip.container !== "m4a";
  const args = [
    ...(withVideo ? ["-f", "lavfi", "-i", `testsrc2=s=320x180:r=25:d=${clip.seconds}`] : []),
    ...["-filter_complex", graph, "-map", "[audio]"],
    ...(withVideo
      ? ["-map", "0:v", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p"]
      : []),
    ...["-c:a", "aac", "-b:a", n > 2 ? "384k" : "192k", "-t", String(clip.seconds)],
    ...(clip.container === "ts" ? ["-f", "mpegts"] : []),
  ];
  return makeWithFfmpeg(args, clip.container);
}

function eventValue(event: ChannelEvent, channel: number): string {
  switch (event.type) {
    case "drop":
      return "0";
    case "invert":
      return `-val(${channel})`;
    case "tone":
      return `${10 ** ((event.dbfs ?? -18) / 20)}*sin(2*PI*1000*t)`;
  }
}
