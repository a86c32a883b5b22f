import express, { type Express, type Response } from "express";
import { type HttpAnswer, stopAnswer, submitAnswer } from "../intake/http-answers.ts";
import type { Intake } from "../intake/intake.ts";
import type { Logger } from "../logging/logger.ts";
import type { SubscribableEventBus } from "../ports/event-bus.ts";
import type { JobStore } from "../ports/job-store.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { type EventStreamOptions, streamEvents } from "./event-stream.ts";
import { hostAllowList } from "./host-allow-list.ts";
import { errorHandler, HttpError } from "./http-errors.ts";
import type { JobLevels } from "./job-levels.ts";
import type { Metrics } from "./metrics.ts";
import { operatorRoutes } from "./operator-routes.ts";
import type { Webhooks } from "./webhooks.ts";

export interface HttpAppOptions {
  readonly intake: Intake;
  readonly jobs: JobStore;
  readonly bus: SubscribableEventBus;
  readonly webhooks: Webhooks;
  readonly metrics: Metrics;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  /** Lets the server end open event streams when it shuts down; returns a function that forgets one. */
  readonly trackStream: (close: () => void) => () => void;
  /** How far an SSE client may fall behind before it is dropped with `lagged`. */
  readonly eventStream?: EventStreamOptions;
  readonly isHealthy: () => boolean;
  /** Names the API answers to besides the loopback ones (DNS rebinding and cross-site requests are refused). */
  readonly allowedHosts: readonly string[];
  /** The dashboard's data besides the jobs: evidence images (under `dataDir`) and running jobs' levels. */
  readonly levels: JobLevels;
  readonly dataDir: string;
}

/** The local stack's HTTP API (the architecture page's contract), the dashboard and the operational endpoints. */
export function createHttpApp(options: HttpAppOptions): Express {
  const { intake, jobs, webhooks } = options;
  const app = express();
  app.disable("x-powered-by");
  // Before anything else, so no route (dashboard and event stream included) answers a foreign Host.
  app.use(hostAllowList(options.allowedHosts));
  // Parse any declared JSON type and anything without one, so a missing header is a clear 400, not an empty body.
  app.use(express.json({ limit: options.maxBodyBytes, type: ["application/json", "application/*+json"] }));

  app.use(operatorRoutes(options));
  // Intake (validation, idempotency, queueing, stop) is the use case both front doors share; the routes map.
  app.post("/v1/jobs", async (req, res) => {
    send(res, submitAnswer(await intake.submit(req.body, req.get("idempotency-key"))));
  });
  app.get("/v1/jobs/:jobId", async (req, res) => {
    const view = await jobs.get(req.params.jobId);
    if (!view) throw new HttpError(404, `job ${req.params.jobId} not found`, "jobId");
    res.json(view);
  });
  app.delete("/v1/jobs/:jobId", async (req, res) => {
    send(res, stopAnswer(await intake.stop(req.params.jobId)));
  });

  app.get("/v1/events", streamEvents(options.bus, options.trackStream, options.eventStream));

  app.post("/v1/subscriptions", async (req, res) => {
    const subscription = await webhooks.create(req.body);
    res.status(201).location(`/v1/subscriptions/${subscription.subscriptionId}`).json(subscription);
  });
  app.get("/v1/subscriptions", (_req, res) => {
    res.json({ subscriptions: webhooks.list() });
  });
  app.delete("/v1/subscriptions/:subscriptionId", async (req, res) => {
    if (!(await webhooks.remove(req.params.subscriptionId))) {
      throw new HttpError(404, `subscription ${req.params.subscriptionId} not found`, "subscriptionId");
    }
    res.status(204).end();
  });

  app.get("/healthz", (_req, res) => {
    const healthy = options.isHealthy();
    res.status(healthy ? 200 : 503).json({ status: healthy ? "ok" : "stopping" });
  });
  app.get("/metrics", (_req, res) => {
    res.type("text/plain; version=0.0.4; charset=utf-8").send(options.metrics.render());
  });
  app.use(dashboardRoutes());

  app.use((req, _res, next) => next(new HttpError(404, `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(options.logger));
  return app;
}

function send(res: Response, answer: HttpAnswer): void {
  res.status(answer.status).set(answer.headers).json(answer.body);
}
