import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Response, Router } from "express";
import { isEvidenceId } from "../domain/evidence.ts";
import { locateEvidence } from "../domain/evidence-location.ts";
import { parseJobListQuery } from "../domain/job-listing.ts";
import type { JobStore } from "../ports/job-store.ts";
import { HttpError } from "./http-errors.ts";
import type { JobLevels } from "./job-levels.ts";
import { streamLevels } from "./levels-stream.ts";

export interface OperatorRoutesOptions {
  readonly jobs: Pick<JobStore, "get" | "list">;
  readonly levels: JobLevels;
  /** The local data folder; evidence images live under its `evidence/` (domain/evidence.ts). */
  readonly dataDir: string;
  readonly trackStream: (close: () => void) => () => void;
}

type SendFileOptions = NonNullable<Parameters<Response["sendFile"]>[1]>;

/** An evidence image never changes once written: its URL names one alert of one job. */
const EVIDENCE_CACHE = "private, max-age=31536000, immutable";
/** An SVG is a document: served from our origin it must not run script or load anything. */
const EVIDENCE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** What the dashboard reads: the job listing, evidence images and the running jobs' levels. */
export function operatorRoutes(options: OperatorRoutesOptions): Router {
  const router = Router();
  const dataDir = resolve(options.dataDir);

  router.get("/v1/jobs", async (req, res) => {
    const parsed = parseJobListQuery(req.query as Record<string, unknown>);
    if (!parsed.ok) throw new HttpError(400, parsed.message, parsed.field);
    res.set("cache-control", "no-store").json(await options.jobs.list(parsed.query));
  });

  router.get("/v1/jobs/:jobId/evidence/:alertId", async (req, res) => {
    const { jobId, alertId } = req.params;
    if (!isEvidenceId(jobId)) throw new HttpError(400, "jobId: not a job id", "jobId");
    if (!isEvidenceId(alertId)) throw new HttpError(400, "alertId: not an alert id", "alertId");
    const located = locateEvidence(await options.jobs.get(jobId), alertId);
    if (!located || !(await isFile(join(dataDir, located.key)))) {
      res.set("cache-control", "no-store");
      throw new HttpError(404, `no evidence for alert ${alertId} of job ${jobId}`, "alertId");
    }
    res.set({
      "content-type": located.format.contentType,
      "cache-control": EVIDENCE_CACHE,
      "content-security-policy": EVIDENCE_CSP,
      "x-content-type-options": "nosniff",
    });
    await sendFile(res, located.key, { root: dataDir, dotfiles: "deny" });
  });

  router.get("/v1/levels", streamLevels(options.levels, options.trackStream));
  return router;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function sendFile(res: Response, path: string, options: SendFileOptions): Promise<void> {
  return new Promise((resolve, reject) =>
    res.sendFile(path, options, (error?: Error) => (error && !res.headersSent ? reject(error) : resolve())),
  );
}
