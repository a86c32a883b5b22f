import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import express, { type Router } from "express";

/** Where the dashboard's files live in the repository; plain HTML, CSS and JS modules, no build step. */
const DASHBOARD_FOLDER = join("core-service", "src", "server", "dashboard");

/**
 * `/` and `/dashboard/*`: the operator's page, served as static files. Revalidated on every load (ETag), so a
 * restarted stack with new files is never shown from a stale cache.
 */
export function dashboardRoutes(folder = dashboardFolder()): Router {
  const router = express.Router();
  const files = express.static(folder, { index: false, cacheControl: true, maxAge: 0, fallthrough: true });
  router.get("/", (_req, res, next) => {
    res.set("cache-control", "no-cache");
    res.sendFile("index.html", { root: folder }, (error) => error && next(error));
  });
  router.use(
    "/dashboard",
    (_req, res, next) => {
      res.set("cache-control", "no-cache");
      next();
    },
    files,
  );
  return router;
}

/**
 * The folder, found from this module upwards: the same code runs from the sources (core-service/src/server)
 * and from the CLI bundle (dist/ or dist/chunks/), and both sit inside the repository.
 */
export function dashboardFolder(from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, DASHBOARD_FOLDER);
    if (existsSync(join(candidate, "index.html"))) return candidate;
    if (dirname(dir) === dir)
      throw new Error(`the dashboard's files (${DASHBOARD_FOLDER}) are not found above ${from}`);
  }
}
