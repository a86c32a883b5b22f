/** The CLI as a program: runs `main` on the process's arguments (the entry of bin/avmon.mjs and of the bundle). */
import { main } from "./main.ts";
import { runAsProcess } from "./process-guard.ts";

await runAsProcess(() => main(process.argv.slice(2)));
