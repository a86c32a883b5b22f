import { readdirSync, readFileSync } from "node:fs";

/** Command lines of the running processes that mention `text` (a unique path or URL of one test), from /proc. */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    } catch {
      continue; // the process ended while we looked
    }
    if (commandLine.includes(text)) found.push(`${entry} ${commandLine}`);
  }
  return found;
}
