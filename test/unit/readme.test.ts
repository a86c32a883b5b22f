import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { README, SECTIONS, section } from "../../scripts/readme-tables.ts";

describe("the README", () => {
  const readme = readFileSync(README, "utf8");

  for (const [name, render] of Object.entries(SECTIONS)) {
    it(`lists the ${name} the code actually reads (run npm run readme after changing them)`, () => {
      expect(section(readme, name)).toBe(render());
    });
  }

  it("has the three-command quick start", () => {
    const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("## Using it"));
    expect(quickStart).toMatch(/npm ci/);
    expect(quickStart).toMatch(/npm start/);
    expect(quickStart).toMatch(/npm test/);
  });
});
