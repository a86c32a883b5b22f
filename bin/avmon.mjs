#!/usr/bin/env node
// Runs the CLI from the bundle that `npm ci` builds (dist/avmon.mjs, quicker to start) while it is at least as
// new as every source it was built from; otherwise straight from the TypeScript sources through tsx, so an
// edited checkout never runs stale code.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

function bundleIsCurrent() {
  try {
    const builtAt = statSync(join(root, "dist/avmon.mjs")).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(root, "dist/avmon-inputs.json"), "utf8"));
    return inputs.every((path) => statSync(join(root, path)).mtimeMs <= builtAt);
  } catch {
    return false; // no bundle, or a source it was built from is gone
  }
}

if (bundleIsCurrent()) {
  await import("../dist/avmon.mjs");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../core-service/src/cli/run.ts");
}
