/**
 * The dashboard in headless Chromium against a real local stack: file jobs, the form used with the keyboard
 * alone, defect details, evidence images and an accessibility audit. Every test also holds the page to no
 * console errors, no failed requests and no non-2xx answers.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FILE_DEFECT_TYPES } from "../../core-service/src/domain/defect.ts";
import { defectDetected } from "../../core-service/src/domain/events.ts";
import { EVIDENCE_FORMATS, evidenceKey, evidenceUrl } from "../../core-service/src/domain/evidence.ts";
import { renderSoundStrip } from "../../core-service/src/evidence/sound-strip.ts";
import { anOpenDefect, at } from "../support/avmon-events.ts";
import {
  axeViolations,
  type LaunchedBrowser,
  launchChromium,
  type PageProblems,
} from "../support/browser.ts";
import {
  DashboardStack,
  defectClip,
  jobRow,
  layoutShiftSince,
  loadedWidths,
  openDashboard,
  pageTime,
  recordRow,
  rowRecord,
} from "./dashboard-harness.ts";

let browser: LaunchedBrowser;
let stack: DashboardStack;
let clip: string;
const pages: { page: Page; problems: PageProblems }[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  clip = await defectClip();
  stack = new DashboardStack();
  await stack.start();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
afterEach(async () => {
  for (const { page, problems } of pages.splice(0)) {
    await page.close();
    expect(problems.list).toEqual([]);
  }
});

async function open() {
  const opened = await openDashboard(browser, stack.url);
  pages.push(opened);
  return opened.page;
}

const FILE_DETECTORS = ["black", "freeze"];

describe("the dashboard with file jobs", () => {
  it("shows a job that finished before the page was opened, with each defect and its evidence thumbnail", async () => {
    const jobId = await stack.submit({ source: clip, detectors: FILE_DETECTORS });
    await stack.waitForStatus(jobId, "completed");

    const page = await open();
    const row = jobRow(page, jobId);

    await expect.poll(() => row.locator(".badge").textContent()).toBe("completed");
    expect(await row.locator("progress").evaluate((p: HTMLProgressElement) => p.value)).toBe(1);
    expect(await row.locator(".progress-text").textContent()).toBe("Done: 0:12.0 analysed");
    expect(await row.locator(".defect-label").allTextContents()).toEqual(["black · minor", "freeze · minor"]);
    // The worker's own evidence, served from the data folder: each card's picture has loaded.
    expect(await row.locator(".defect .thumb[data-placeholder]").count()).toBe(0);
    await expect.poll(() => loadedWidths(row.locator(".defect .thumb img"))).toEqual([320, 320]);
    expect(await row.locator(".timeline .mark").count()).toBe(2);
    expect(await page.locator("#tiles-empty").isVisible()).toBe(true);
  });

  it("submits a generated clip from the form with the keyboard alone, and follows it to the end", async () => {
    // 40 s: the analysis lasts long enough for the page to show it queued or running, even on a busy machine
    // where the 12 s clip can finish before the page has drawn its row.
    const longClip = await defectClip(40);
    const page = await open();
    await recordRow(page);
    await page.keyboard.press("Tab"); // the skip link
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("source");
    await page.keyboard.type(longClip);
    await page.keyboard.press("Tab"); // mode: File is checked
    expect(await focusedLabel(page)).toBe("File, to its end");
    await page.keyboard.press("Tab"); // Black picture
    await page.keyboard.press("Tab"); // Frozen picture
    for (let i = 0; i < FILE_DEFECT_TYPES.length - 2; i++) {
      // every other detector (block corruption, silence, … captions lost): off
      await page.keyboard.press("Tab");
      await page.keyboard.press("Space");
    }
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Analyse");
    const shownBefore = await pageTime(page);
    await page.keyboard.press("Enter");

    await expect.poll(() => page.locator("#submit-status").textContent()).toMatch(/^Queued /);
    const jobId = await page.locator("li.job").first().getAttribute("data-job-id");
    if (!jobId) throw new Error("no job row appeared");
    const row = jobRow(page, jobId);
    await expect.poll(() => row.locator(".badge").textContent(), { timeout: 60_000 }).toBe("completed");
    const record = await rowRecord(page, jobId);
    expect(["queued", "running"]).toContain(record.statuses[0]);
    expect(record.statuses.at(-1)).toBe("completed");
    expect(record.defects).toEqual(["black", "freeze"]);
    expect(await row.locator(".job-meta").textContent()).toMatch(/^file · black, freeze · /);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Analyse");
    expect(await layoutShiftSince(page, shownBefore)).toBeLessThan(0.01);
  });

  it("says what is missing, sending nothing, when the form is sent without a source", async () => {
    const page = await open();
    await page.locator("#source").focus();

    await page.keyboard.press("Enter");

    await expect
      .poll(() => page.locator("#source-error").textContent())
      .toBe("Enter a file path or a URL to analyse.");
    expect(await page.locator("#source").getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("source");
  });

  it("opens a defect's details from its card with the keyboard, and gives focus back when closed", async () => {
    const jobId = await stack.submit({ source: clip, detectors: FILE_DETECTORS });
    await stack.waitForStatus(jobId, "completed");
    const page = await open();
    const card = jobRow(page, jobId).locator("button.defect").first();
    await card.waitFor();

    await card.focus();
    await page.keyboard.press("Enter");

    const dialog = page.locator("#defect-dialog");
    await expect.poll(() => dialog.evaluate((d: HTMLDialogElement) => d.open)).toBe(true);
    expect(await dialog.locator("#defect-title").textContent()).toBe("black · minor");
    expect(await dialog.locator("#defect-facts").textContent()).toMatch(/When0:02\.\d–0:04\.\d/);
    await expect.poll(() => loadedWidths(dialog.locator("#defect-evidence img"))).toEqual([320]);
    expect(await dialog.locator("#defect-evidence img").getAttribute("alt")).toMatch(
      /^Picture at 0:02\.\d of /,
    );
    expect(await page.evaluate(() => document.activeElement?.closest("dialog")?.id)).toBe("defect-dialog");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.evaluate((d: HTMLDialogElement) => d.open)).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.classList.contains("defect"))).toBe(true);
  });

  it("shows a placeholder for a defect without evidence, and a sound defect's level strip once it has one", async () => {
    const jobId = await stack.submit({ source: clip, detectors: FILE_DETECTORS });
    await stack.waitForStatus(jobId, "completed");
    const page = await open();
    const row = jobRow(page, jobId);
    await row.locator("button.defect").first().waitFor();
    const before = await pageTime(page);

    // A defect announced without evidence (its store failed): a placeholder, and the details say so.
    const bare = defectDetected(jobId, anOpenDefect({ type: "freeze", start: 10.5 }), at(0));
    await stack.stack?.bus.publish([bare]);
    const bareCard = row.locator(`li[data-alert-id="${bare.detail.alertId}"]`);
    await expect.poll(() => bareCard.locator(".thumb[data-placeholder]").count()).toBe(1);
    await bareCard.locator("button").click();
    await expect
      .poll(() => page.locator("#defect-evidence").textContent())
      .toBe("No evidence image for this defect.");
    await page.keyboard.press("Escape");

    // Then a sound defect whose strip is written where the layout says and announced.
    const event = defectDetected(jobId, anOpenDefect({ type: "silence", start: 0.5 }), at(0));
    const path = join(stack.dataDir, evidenceKey(jobId, event.detail.alertId, EVIDENCE_FORMATS.sound));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      renderSoundStrip({
        type: "silence",
        onset: 0.5,
        from: 0,
        to: 3,
        points: [
          { t: 0, rms: -20, peak: -12, quietest: -20 },
          { t: 0.5, rms: -90, peak: -90, quietest: -90 },
          { t: 3, rms: -90, peak: -90, quietest: -90 },
        ],
      }),
    );
    event.detail.evidence = { thumbnail: evidenceUrl(jobId, event.detail.alertId), at: 0.5 };
    await stack.stack?.bus.publish([event]);

    const image = row.locator(`li[data-alert-id="${event.detail.alertId}"] img`);
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBe(320);
    await row.locator(`li[data-alert-id="${event.detail.alertId}"] button`).click();
    const big = page.locator("#defect-evidence img");
    await expect
      .poll(() => big.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBe(320);
    expect(await big.getAttribute("alt")).toMatch(/^Sound level at 0:00\.5 of /);
    await page.keyboard.press("Escape");
    // The new card went in before the others (it has the earliest onset); the others keep their boxes' size.
    expect(await layoutShiftSince(page, before)).toBeLessThan(0.05);
  });

  it("has no serious or critical accessibility violations, with jobs listed and with a defect's details open", async () => {
    const jobId = await stack.submit({ source: clip, detectors: FILE_DETECTORS });
    await stack.waitForStatus(jobId, "completed");
    const page = await open();
    await jobRow(page, jobId).locator("button.defect").first().waitFor();

    const onPage = await axeViolations(page);
    await jobRow(page, jobId).locator("button.defect").first().click();
    const withDialog = await axeViolations(page);

    const serious = [...onPage, ...withDialog].filter(
      (v) => v.impact === "serious" || v.impact === "critical",
    );
    expect(serious).toEqual([]);
  });
});

async function focusedLabel(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.activeElement?.closest("label")?.textContent?.trim());
}
