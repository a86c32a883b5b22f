/** The CLI as a program: runs `main` on the process's arguments (the entry of bin/avmon.mjs and of the bundle). */
import { main } from "./main.ts";

/** How long a finished command's process may take to drain before it exits anyway. */
const EXIT_GRACE_MS = 500;

process.exitCode = await main(process.argv.slice(2));
// Whatever still holds the event loop once a command has returned (a socket a peer never closes, a call that
// never answers) must not keep the process alive: it exits, and its ffmpeg children go with it (media/ffmpeg.ts).
setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
