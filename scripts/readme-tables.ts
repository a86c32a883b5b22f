/**
 * The README's generated tables — environment settings and detector thresholds — rendered from the code that
 * parses them, so the two cannot drift apart. `npm run readme` rewrites them in README.md; a test checks them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS } from "../core-service/src/config.ts";
import { DETECTOR_OPTIONS } from "../core-service/src/detectors/registry.ts";

export const README = join(import.meta.dirname, "../README.md");

export function settingsTable(): string {
  const rows = SETTINGS.map((s) => `| \`${s.name}\` | ${s.default} | ${s.description} |`);
  return ["| variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

export function thresholdsTable(): string {
  const rows = Object.entries(DETECTOR_OPTIONS).map(([name, schema]) => {
    const defaults = Object.entries(schema.parse({}) as Record<string, unknown>)
      .map(([key, value]) => `\`${key}\` ${typeof value === "object" ? JSON.stringify(value) : value}`)
      .join(", ");
    return `| \`${name}\` | ${defaults} |`;
  });
  return ["| detector | options and defaults |", "|---|---|", ...rows].join("\n");
}

export const SECTIONS = { settings: settingsTable, thresholds: thresholdsTable } as const;

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function section(readme: string, name: string): string | undefined {
  const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme);
  return match?.[1];
}

function rewrite(): void {
  let readme = readFileSync(README, "utf8");
  for (const [name, render] of Object.entries(SECTIONS)) {
    const block = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
    readme = readme.replace(block, () => `<!-- ${name}:start -->\n${render()}\n<!-- ${name}:end -->`);
  }
  writeFileSync(README, readme);
}

if (process.argv[1] === import.meta.filename) rewrite();
