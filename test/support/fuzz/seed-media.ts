/**
 * The files the fuzzer mutates: short clips of the containers and codecs users have (generated at test time,
 * cached), and the real clips in ../shared/media.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeClip, makeWithFfmpeg } from "../test-media.ts";

export interface SeedFile {
  readonly name: string;
  readonly path: string;
}

const REAL_MEDIA = join(import.meta.dirname, "../../../../shared/media");
const REAL_CLIPS = ["real-640x360-1s.mp4", "real-iphone-rotated-2s.mov", "real-bbb-vp9-opus-1s.webm"];

const picture = { codec: "libx264", size: "320x180", fps: "25" } as const;
const lavfiPicture = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3"];
const tone = (frequency: number) => ["-f", "lavfi", "-i", `sine=f=${frequency}:d=3`];

export async function seedFiles(): Promise<SeedFile[]> {
  // One at a time: the first run encodes them all, and the machine has two cores.
  const generated: [string, () => Promise<string>][] = [
    [
      "mp4-h264-aac",
      () =>
        makeClip({
          duration: 3,
          container: "mp4",
          video: { ...picture, events: [{ type: "black", start: 1, end: 2 }] },
          audio: { codec: "aac", channels: 2 },
        }),
    ],
    [
      "mp4-h264-aac-5.1",
      () => makeClip({ duration: 3, container: "mp4", video: picture, audio: { codec: "aac", channels: 6 } }),
    ],
    [
      "mkv-hevc-10bit-flac",
      () =>
        makeWithFfmpeg(
          [
            ...lavfiPicture,
            ...tone(440),
            ...["-pix_fmt", "yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast"],
            ...["-x265-params", "log-level=error", "-c:a", "flac", "-f", "matroska"],
          ],
          "mkv",
        ),
    ],
    [
      "webm-vp9-opus",
      () =>
        makeClip({
          duration: 3,
          container: "webm",
          video: { codec: "libvpx-vp9", size: "320x180", fps: "25" },
          audio: { codec: "libopus", channels: 2 },
        }),
    ],
    [
      "ts-h264-ac3",
      () => makeClip({ duration: 3, container: "ts", video: picture, audio: { codec: "ac3", channels: 2 } }),
    ],
    [
      "mov-h264-two-pcm-tracks",
      () =>
        makeWithFfmpeg(
          [
            ...lavfiPicture,
            ...tone(440),
            ...tone(880),
            ...["-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast"],
            ...["-c:a", "pcm_s16le", "-f", "mov"],
          ],
          "mov",
        ),
    ],
    [
      "wav-pcm",
      () => makeClip({ duration: 3, container: "wav", audio: { codec: "pcm_s16le", channels: 2 } }),
    ],
  ];
  const seeds: SeedFile[] = [];
  for (const [name, make] of generated) seeds.push({ name, path: await make() });
  for (const file of REAL_CLIPS) {
    const path = join(REAL_MEDIA, file);
    if (existsSync(path)) seeds.push({ name: file, path });
  }
  return seeds;
}
