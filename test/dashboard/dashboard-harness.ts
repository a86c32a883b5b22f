/**
 * The pieces every dashboard browser test uses: a local stack (real worker, real ffmpeg) with its own data
 * folder, on a port that can be reused after a restart, and a page opened on it with everything recorded that
 * must not happen (console errors, failed requests, non-2xx answers) and every layout shift.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { LocalStack } from "../../core-service/src/app/local-stack.ts";
import { parseConfig } from "../../core-service/src/config.ts";
import type { JobView } from "../../core-service/src/domain/job-projection.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { type LaunchedBrowser, type PageProblems, watchPage } from "../support/browser.ts";
import { makeClip } from "../support/test-media.ts";
import { waitFor } from "../worker/worker-harness.ts";

/**
 * A clip (12 s unless asked) with a black interval (2–4.5 s) and a freeze (6–9.5 s) on moving test pictures,
 * with a tone. A longer one runs long enough to be seen running on a busy machine.
 */
export function defectClip(duration = 12): Promise<string> {
  return makeClip({
    duration,
    container: "mp4",
    video: {
      codec: "libx264",
      size: "640x360",
      fps: "25",
      events: [
        { type: "black", start: 2, end: 4.5 },
        { type: "freeze", start: 6, end: 9.5 },
      ],
    },
    audio: { codec: "aac", channels: 2 },
  });
}

export class DashboardStack {
  readonly dataDir = mkdtempSync(join(tmpdir(), "avmon-dashboard-"));
  stack: LocalStack | undefined;
  url = "";

  /** Starts (or, after `stop`, restarts on the same port) a local stack with an empty job store. */
  async start(): Promise<string> {
    const port = this.url === "" ? 0 : Number(new URL(this.url).port);
    const config = parseConfig({ PORT: String(port), AVMON_DEMO: "false", AVMON_DATA_DIR: this.dataDir });
    this.stack = new LocalStack({ config, logger: silentLogger });
    this.url = await this.stack.start();
    return this.url;
  }

  async stop(): Promise<void> {
    await this.stack?.stop(5000);
    this.stack = undefined;
  }

  async submit(body: unknown): Promise<string> {
    const response = await fetch(`${this.url}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { jobId: string }).jobId;
  }

  async job(jobId: string): Promise<JobView> {
    return (await (await fetch(`${this.url}/v1/jobs/${jobId}`)).json()) as JobView;
  }

  async waitForStatus(jobId: string, status: JobView["status"], timeoutMs = 60_000): Promise<JobView> {
    await waitFor(async () => (await this.job(jobId)).status === status, timeoutMs);
    return this.job(jobId);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

interface LayoutShift {
  readonly value: number;
  /** Page time (ms). */
  readonly at: number;
}

export interface OpenedPage {
  readonly page: Page;
  readonly problems: PageProblems;
}

/** Opens the dashboard in a fresh page, after installing a layout-shift recorder that survives reloads. */
export async function openDashboard(browser: LaunchedBrowser, url: string): Promise<OpenedPage> {
  const page = await browser.newPage();
  const problems = watchPage(page);
  await page.addInitScript(() => {
    // biome-ignore lint/suspicious/noExplicitAny: runs in the page; the recorder is a page global.
    const page = globalThis as any;
    page.__layoutShifts = [];
    new page.PerformanceObserver((list: { getEntries(): unknown[] }) => {
      for (const entry of list.getEntries() as {
        value: number;
        hadRecentInput: boolean;
        startTime: number;
      }[]) {
        if (!entry.hadRecentInput) page.__layoutShifts.push({ value: entry.value, at: entry.startTime });
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
  await page.goto(url);
  await page.locator("#connection[data-state=live]").waitFor();
  return { page, problems };
}

/** Layout shifts (not caused by input) since `since` (page time, ms), summed: 0 when nothing moved. */
export async function layoutShiftSince(page: Page, since: number): Promise<number> {
  return page.evaluate((from) => {
    const shifts = (window as unknown as { __layoutShifts: LayoutShift[] }).__layoutShifts;
    return shifts.filter((shift) => shift.at >= from).reduce((sum, shift) => sum + shift.value, 0);
  }, since);
}

/** The natural widths of the images once each has loaded (0 while one is still loading or broke). */
export function loadedWidths(images: Locator): Promise<number[]> {
  return images.evaluateAll((all) =>
    all.map((img) => ((img as HTMLImageElement).complete ? (img as HTMLImageElement).naturalWidth : 0)),
  );
}

export function pageTime(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** The row of one job in the jobs list. */
export function jobRow(page: Page, jobId: string) {
  return page.locator(`li.job[data-job-id="${jobId}"]`);
}

export interface RowRecord {
  /** Every status the job's row showed, in order. */
  readonly statuses: string[];
  /** Defect types in the order their cards first appeared. */
  readonly defects: string[];
  /** Every text of the job's live tile's open-defects line, in order. */
  readonly openDefects: string[];
}

/**
 * Starts recording, in the page, what each job's row and tile show as it changes (a MutationObserver, so
 * states shorter than a poll are seen too).
 */
export async function recordRow(page: Page): Promise<void> {
  await page.evaluate(() => {
    const record: Record<string, { statuses: string[]; defects: string[]; openDefects: string[] }> = {};
    (window as unknown as { __rowRecord: typeof record }).__rowRecord = record;
    const of = (jobId: string) => {
      record[jobId] ??= { statuses: [], defects: [], openDefects: [] };
      return record[jobId];
    };
    const addChange = (list: string[], value: string | null | undefined) => {
      if (value && list.at(-1) !== value) list.push(value);
    };
    const look = () => {
      for (const row of document.querySelectorAll<HTMLElement>("li.job")) {
        const seen = of(row.dataset.jobId ?? "");
        addChange(seen.statuses, row.querySelector(".badge")?.textContent);
        for (const label of row.querySelectorAll(".defect-label")) {
          const type = (label.textContent ?? "").split(" · ")[0] ?? "";
          if (!seen.defects.includes(type)) seen.defects.push(type);
        }
      }
      for (const tile of document.querySelectorAll<HTMLElement>("li.tile")) {
        addChange(of(tile.dataset.jobId ?? "").openDefects, tile.querySelector(".open-defects")?.textContent);
      }
    };
    look();
    const observer = new MutationObserver(look);
    for (const id of ["jobs", "tiles"]) {
      const target = document.getElementById(id);
      if (target) observer.observe(target, { subtree: true, childList: true, characterData: true });
    }
  });
}

export function rowRecord(page: Page, jobId: string): Promise<RowRecord> {
  return page.evaluate((id) => {
    const record = (window as unknown as { __rowRecord: Record<string, RowRecord> }).__rowRecord;
    return record[id] ?? { statuses: [], defects: [], openDefects: [] };
  }, jobId);
}
