/** Stops the production-ffmpeg run at once, with what to do, when Debian's ffmpeg is not installed. */
import { accessSync, constants } from "node:fs";
import { CONTAINER_FFMPEG } from "../../core-service/src/media/container-ffmpeg.ts";

export default function requireDebianFfmpeg(): void {
  for (const path of Object.values(CONTAINER_FFMPEG.path)) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new Error(`${path} is missing: this suite runs on Debian's ffmpeg (apt-get install -y ffmpeg)`);
    }
  }
}
