/**
 * A demo clip with defects at known times, generated with ffmpeg on first use (nothing to download): moving
 * test picture with a tone, then black, a frozen picture, silence and clipped audio.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { runFfmpeg } from "../media/ffmpeg.ts";

export interface ScheduledDefect {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

export const DEMO_DURATION = 24;
export const DEMO_SCHEDULE: readonly ScheduledDefect[] = [
  { type: "black", start: 3, end: 6 },
  { type: "freeze", start: 9, end: 13 },
  { type: "silence", start: 15, end: 19 },
  { type: "clipping", start: 20, end: 22 },
];

/** Path of the demo clip under `dir`, generating it if it is not there yet. */
export async function ensureDemoClip(dir: string): Promise<string> {
  // The recipe's hash is in the name, so a changed recipe makes a new clip instead of reusing a stale one.
  const args = demoClipArgs("{output}");
  const recipe = createHash("sha256").update(JSON.stringify(args)).digest("hex").slice(0, 12);
  const path = join(dir, `avmon-demo-${recipe}.mp4`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const partial = `${path}.partial.mp4`;
  await runFfmpeg(demoClipArgs(partial));
  renameSync(partial, path);
  return path;
}

function demoClipArgs(output: string): string[] {
  const between = (d: ScheduledDefect) => `gte(t,${d.start})*lt(t,${d.end})`;
  const [black, freeze, silence, clipping] = DEMO_SCHEDULE as [
    ScheduledDefect,
    ScheduledDefect,
    ScheduledDefect,
    ScheduledDefect,
  ];
  const fps = 25;
  const heldFrames = (freeze.end - freeze.start) * fps;
  // The freeze repeats the frame shown at its onset: moving picture up to the onset, the held frame, then the
  // picture resumes where it would have been.
  const video = [
    `testsrc2=size=640x360:rate=${fps}:duration=${DEMO_DURATION},split=3[before][held][after]`,
    `[before]trim=0:${freeze.start},setpts=PTS-STARTPTS[v1]`,
    `[held]trim=start_frame=${freeze.start * fps}:end_frame=${freeze.start * fps + 1},loop=loop=${heldFrames - 1}:size=1:start=0,setpts=N/${fps}/TB[v2]`,
    `[after]trim=${freeze.end}:${DEMO_DURATION},setpts=PTS-STARTPTS[v3]`,
    `[v1][v2][v3]concat=n=3:v=1:a=0,drawbox=enable='${between(black)}':color=black:t=fill,format=yuv420p[video]`,
  ].join(";");
  // Clipping: the tone is driven far past full scale, then pinned there by the conversion to 16-bit integers.
  const audio = [
    `sine=frequency=440:sample_rate=48000:duration=${DEMO_DURATION}`,
    // ffmpeg's sine source peaks at 1/8 (−18 dBFS): ×0.566 puts the programme at −23 dBFS peak (≈ −23 LUFS,
    // the EBU R128 target); ×64 drives it 18 dB past full scale for the clipping.
    `volume='if(${between(silence)},0,if(${between(clipping)},64,0.566))':eval=frame`,
    "aformat=sample_fmts=s16:channel_layouts=stereo[audio]",
  ].join(",");
  return [
    "-y",
    "-filter_complex",
    `${video};${audio}`,
    "-map",
    "[video]",
    "-map",
    "[audio]",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-c:a",
    "aac",
    "-b:a",
    "192k",
    "-t",
    String(DEMO_DURATION),
    output,
  ];
}
