/**
 * Which encoders the ffmpeg in use (FFMPEG_PATH, else the bundled one) has, for test media that only some builds
 * can make (AV1: Debian's 5.1 has libsvtav1, the bundled 2018 build has none fast enough). Asked once.
 */
import { spawnFfmpeg } from "../../core-service/src/media/ffmpeg.ts";

let encoders: Promise<string> | undefined;

export async function hasEncoder(name: string): Promise<boolean> {
  encoders ??= new Promise((resolve, reject) => {
    const child = spawnFfmpeg(["-hide_banner", "-encoders"]);
    let listing = "";
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      listing += text;
    });
    child.stderr?.resume();
    child.once("error", reject);
    child.once("close", () => resolve(listing));
  });
  // Lines look like " V..... libsvtav1            SVT-AV1(...) encoder (codec av1)".
  return new RegExp(`^ \\S{6} ${name} `, "m").test(await encoders);
}
