/** The CLI as a program: runs `main` on the process's arguments (the entry of bin/avmon.mjs and of the bundle). */
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
