/**
 * Headless Chromium for the dashboard's browser tests: Debian's `chromium` driven by playwright-core (which
 * downloads nothing). Each launch gets a fresh profile and none of Chromium's own network chatter, so the
 * only traffic is the page's, to 127.0.0.1. A page watcher records what must not happen: console errors,
 * uncaught exceptions, failed requests and non-2xx answers.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.AVMON_CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface LaunchedBrowser {
  /** The browser's one context, on a profile folder made for this launch and removed by `close`. */
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Throws, naming what to install, when Chromium is missing: the browser tests never pass without it. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the dashboard's browser tests need it. ` +
        "Install it with `apt-get update && apt-get install -y chromium` (or set AVMON_CHROMIUM_PATH).",
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "avmon-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PageProblems {
  /** Console errors and warnings, uncaught exceptions, failed requests and non-2xx answers, as lines. */
  readonly list: string[];
  /** Stops recording (for a moment where failures are expected, such as a server being away). */
  pause(): void;
  resume(): void;
}

/** Records everything that would mean the page misbehaved, from the moment it is called. */
export function watchPage(page: Page): PageProblems {
  const list: string[] = [];
  let recording = true;
  const note = (line: string) => recording && list.push(line);
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning")
      note(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => note(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText ?? "failed";
    // An EventSource closed by the page itself (navigation, closing) is not a failure of the page.
    if (failure === "net::ERR_ABORTED" && request.resourceType() === "eventsource") return;
    note(`request failed: ${request.method()} ${request.url()} (${failure})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 300 && response.status() !== 304) {
      note(`response ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  return {
    list,
    pause: () => {
      recording = false;
    },
    resume: () => {
      recording = true;
    },
  };
}

const require = createRequire(import.meta.url);

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/** Runs axe-core (WCAG 2 A/AA rules and best practices) in the page and returns its violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: this runs in the page, where axe was injected as a global.
    const page = globalThis as any;
    const result = await page.axe.run(page.document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v: AxeViolation) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}
