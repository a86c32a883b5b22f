/**
 * The dashboard in headless Chromium following what happens now: a live stream submitted from the form (a real
 * HLS origin on loopback publishing a generated programme with a black interval and a freeze in real time),
 * its live tile, its defects as they are detected, stopping it, and a server restart under an open page.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "../support/browser.ts";
import { type LiveOrigin, startLiveOrigin } from "../support/live-origin.ts";
import {
  DashboardStack,
  defectClip,
  jobRow,
  layoutShiftSince,
  loadedWidths,
  type OpenedPage,
  openDashboard,
  pageTime,
  recordRow,
  rowRecord,
} from "./dashboard-harness.ts";

/** `AVMON_UPDATE_SCREENSHOT=1 npm test -- test/dashboard` refreshes the README's picture of the dashboard. */
const SCREENSHOT = join(import.meta.dirname, "../../docs/dashboard.png");
/** Origin seconds: late enough that the job has joined the stream (a few HLS segments) before the first. */
const BLACK = { start: 8, end: 11 };
const FREEZE = { start: 16, end: 20 };

let browser: LaunchedBrowser;
let stack: DashboardStack;

beforeAll(async () => {
  browser = await launchChromium();
  stack = new DashboardStack();
  await stack.start();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the dashboard following live work", () => {
  let origin: LiveOrigin;
  let opened: OpenedPage;

  afterAll(async () => {
    await opened?.page.close();
    await origin?.close();
  });

  it("follows a live stream submitted from the form: its tile's levels, each defect as it comes, then stop", async () => {
    const earlier = await stack.submit({ source: await defectClip(), detectors: ["black", "freeze"] });
    await stack.waitForStatus(earlier, "completed");
    opened = await openDashboard(browser, stack.url);
    const { page, problems } = opened;
    await recordRow(page);
    origin = await startLiveOrigin({
      protocol: "hls",
      duration: 60,
      video: [
        { type: "black", ...BLACK },
        { type: "freeze", ...FREEZE },
      ],
    });

    await page.locator("#source").fill(origin.url);
    await page.getByLabel("Live, until stopped").check();
    for (const detector of ["Block corruption", "Silence", "Clipping"])
      await page.getByLabel(detector).uncheck();
    await page.getByRole("button", { name: "Analyse" }).click();

    await expect.poll(() => page.locator("li.tile").count(), { timeout: 30_000 }).toBe(1);
    const jobId = (await page.locator("li.tile").getAttribute("data-job-id")) ?? "";
    const row = jobRow(page, jobId);
    const tile = page.locator(`li.tile[data-job-id="${jobId}"]`);
    const settled = await pageTime(page);
    await expect
      .poll(() => sparklinePoints(tile), { timeout: 30_000 })
      .toEqual({ luma: 5, motion: 5, loudness: 5 });
    expect(await tile.locator(".levels dd .value").allTextContents()).toEqual([
      expect.stringMatching(/^\d+ %$/),
      expect.stringMatching(/^(still|\d\.\d{3})$/),
      expect.stringMatching(/^-\d+\.\d LUFS$/),
    ]);
    expect(await tile.locator(".tile-progress").textContent()).toMatch(
      /^Live: \d:\d\d\.\d of stream watched$/,
    );

    const cards = () => rowRecord(page, jobId).then((record) => record.defects);
    await expect.poll(cards, { timeout: 30_000 }).toContain("black");
    await expect.poll(cards, { timeout: 30_000 }).toContain("freeze");
    expect((await cards()).filter((type) => PICTURE.has(type))).toEqual(["black", "freeze"]);
    await expect
      .poll(async () => (await rowRecord(page, jobId)).openDefects, { timeout: 30_000 })
      .toContainEqual(expect.stringMatching(/^Open: (.*, )?freeze since 0:\d\d\.\d/));
    const freezeCard = row.locator("li", { has: page.locator(".defect-label", { hasText: /^freeze · / }) });
    await expect
      .poll(() => freezeCard.locator(".defect-time").textContent(), { timeout: 30_000 })
      .toMatch(/–\d/);
    // Each picture defect's card shows the worker's evidence, and the tile its latest picture.
    await expect
      .poll(() => loadedWidths(row.locator(".defect .thumb img")), { timeout: 15_000 })
      .toEqual([320, 320]);
    await expect.poll(() => loadedWidths(tile.locator(".thumb img"))).toEqual([320]);
    if (process.env.AVMON_UPDATE_SCREENSHOT === "1") {
      mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    await row.getByRole("button", { name: /^Stop / }).click();

    await expect.poll(() => row.locator(".badge").textContent(), { timeout: 15_000 }).toBe("stopped");
    await expect.poll(() => page.locator("li.tile").count()).toBe(0);
    expect(await page.locator("#tiles-empty").isVisible()).toBe(true);
    const { statuses } = await rowRecord(page, jobId);
    expect(statuses.slice(-2)).toEqual(["running", "stopped"]);
    // Once the job's row and tile were there, nothing on the page moved as its events and levels came in.
    expect(await layoutShiftSince(page, settled)).toBe(0);
    expect(problems.list).toEqual([]);
  });
});

describe("the dashboard across a server restart", () => {
  it("reconnects by itself and shows the restarted server's jobs, without a reload", async () => {
    const before = await stack.submit({ source: await defectClip(), detectors: ["black"] });
    await stack.waitForStatus(before, "completed");
    const { page, problems } = await openDashboard(browser, stack.url);
    try {
      await jobRow(page, before).waitFor();
      // Every job's evidence loaded first (the earlier test's jobs are listed too): a picture still in
      // flight when the server stops fails, as it should.
      await expect
        .poll(() => loadedWidths(jobRow(page, before).locator(".defect .thumb img")))
        .toEqual([320]);
      await expect
        .poll(async () => (await loadedWidths(page.locator(".thumb img"))).filter((width) => width === 0))
        .toEqual([]);
      const navigations: string[] = [];
      page.on("framenavigated", (frame) => navigations.push(frame.url()));

      await stack.stop();
      await expect.poll(() => page.locator("#connection").getAttribute("data-state")).toBe("reconnecting");
      await stack.start();
      const after = await stack.submit({ source: await defectClip(), detectors: ["freeze"] });

      await expect.poll(() => jobRow(page, after).count(), { timeout: 20_000 }).toBe(1);
      expect(await page.locator("#connection").getAttribute("data-state")).toBe("live");
      await expect
        .poll(() => jobRow(page, after).locator(".badge").textContent(), { timeout: 60_000 })
        .toBe("completed");
      // The restarted stack's store is new: the job from before the restart is no longer listed.
      expect(await jobRow(page, before).count()).toBe(0);
      expect(navigations).toEqual([]);
      expect(problems.list).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** The picture defects this test puts in; a loaded machine may add stream-level ones (video-loss) of its own. */
const PICTURE = new Set(["black", "freeze"]);

/** How many points each sparkline of a tile has drawn, capped at 5 (enough to say it is being fed). */
async function sparklinePoints(tile: ReturnType<Page["locator"]>) {
  const counts = await tile
    .locator(".sparkline polyline")
    .evaluateAll((lines) =>
      lines.map((line) => (line.getAttribute("points") ?? "").split(" ").filter(Boolean).length),
    );
  const [luma = 0, motion = 0, loudness = 0] = counts.map((n) => Math.min(5, n));
  return { luma, motion, loudness };
}
