/**
 * Which encoders the ffmpeg in use (FFMPEG_PATH, else the bundled one) has, for test media that only some builds
 * can make (AV1: Debian's 5.1 has libsvtav1, the bundled 2018 build has none fast enough). Asked once. The
 * product asks only for decoders (ffmpeg-detection.ts); `-encoders` lists encoders in the same layout.
 */

import { spawnFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { parseDecoders } from "../../core-service/src/media/ffmpeg-capabilities.ts";

let encoders: Promise<readonly string[]> | undefined;

function listEncoders(): Promise<readonly string[]> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(["-hide_banner", "-encoders"]);
    let listing = "";
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      listing += text;
    });
    child.stderr?.resume();
    child.once("error", reject);
    child.once("close", () => resolve(parseDecoders(listing).map((entry) => entry.name)));
  });
}

export async function hasEncoder(name: string): Promise<boolean> {
  encoders ??= listEncoders();
  return (await encoders).includes(name);
}
