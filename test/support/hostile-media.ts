/**
 * Media made to hurt a decoder, generated at test time and cached like the other clips: a decode bomb (a tiny
 * file of enormous pictures), a stream whose pictures grow mid-file, and an elementary stream that declares
 * no duration.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { runFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { makeCached, makeWithFfmpeg } from "./test-media.ts";

export const BOMB_SIZE = { width: 8192, height: 8192 };

/**
 * About 200 KB of H.264 in MPEG-TS: three flat grey 8192×8192 pictures at the coarsest quantiser, 67 M pixels
 * each once decoded.
 */
export function decodeBomb(): Promise<string> {
  const size = `${BOMB_SIZE.width}x${BOMB_SIZE.height}`;
  return makeWithFfmpeg(
    [
      ...["-f", "lavfi", "-i", `color=c=gray:s=${size}:r=25`, "-frames:v", "3"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-crf", "51", "-x264-params", "threads=1"],
      ...["-pix_fmt", "yuv420p", "-f", "mpegts"],
    ],
    "ts",
  );
}

/** Two seconds of 320×180 pictures, then the bomb's: ffprobe sees only the small size. */
export async function growingPictures(): Promise<string> {
  const small = await makeWithFfmpeg(
    [
      ...["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts"],
    ],
    "ts",
  );
  const bomb = await decodeBomb();
  return makeCached({ concatenated: [small, bomb] }, "ts", async (partial) => {
    writeFileSync(partial, Buffer.concat([readFileSync(small), readFileSync(bomb)]));
  });
}

/** A raw H.264 elementary stream of `seconds`: no container, so no declared duration. */
export function undeclaredDuration(seconds: number): Promise<string> {
  return makeWithFfmpeg(
    [
      ...["-f", "lavfi", "-i", `testsrc2=size=160x90:rate=25:duration=${seconds}`],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-f", "h264"],
    ],
    "h264",
  );
}

/**
 * 3 s of 320×180 pictures, then 3 s of 480×270 (one MPEG-TS stream, a new SPS midway; ffprobe sees only the
 * first size), with a black picture from 4 to 5.5 s.
 */
export async function resizedMidway(): Promise<string> {
  const part = (size: string, offset: number, black: string) =>
    makeWithFfmpeg(
      [
        ...["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=25:duration=3${black}`],
        // Not ultrafast: it turns off the deblocking filter, and a block grid is a starved encoder's defect.
        ...["-c:v", "libx264", "-preset", "veryfast", "-output_ts_offset", String(offset), "-f", "mpegts"],
      ],
      "ts",
    );
  const first = await part("320x180", 0, "");
  const second = await part("480x270", 3, ",drawbox=enable='between(t,1,2.499)':color=black:t=fill");
  // Remuxed into one stream, not the files' bytes end to end: that would break the TS continuity counters at
  // the splice, a transport error of its own (ffmpeg 5.1 says `Packet corrupt`), which is not what this is.
  return makeCached({ remuxed: [first, second] }, "ts", async (partial, stem) => {
    const list = `${stem}.txt`;
    writeFileSync(list, [first, second].map((file) => `file '${file}'`).join("\n"));
    await runFfmpeg(["-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-f", "mpegts", partial]);
  });
}
