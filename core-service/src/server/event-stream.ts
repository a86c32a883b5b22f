import type { Request, Response } from "express";
import { InvalidEventPatternError } from "../domain/event-pattern/index.ts";
import { EVENT_SOURCE } from "../domain/events.ts";
import type { SubscribableEventBus } from "../ports/event-bus.ts";
import { HttpError } from "./http-errors.ts";
import { keepSseOpen, openSse } from "./sse-response.ts";

/**
 * `GET /v1/events?pattern=<EventBridge pattern JSON>`: events as Server-Sent Events, one `data:` line of JSON
 * each, with the event id as the SSE id. The pattern is compiled once, when the subscriber connects.
 */
export function streamEvents(bus: SubscribableEventBus, onClose: (close: () => void) => () => void) {
  return (req: Request, res: Response): void => {
    const pattern = parsePattern(req.query.pattern);
    let unsubscribe: () => void;
    try {
      unsubscribe = bus.subscribe(pattern, (event) =>
        write(res, `id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`),
      );
    } catch (error) {
      if (error instanceof InvalidEventPatternError)
        throw new HttpError(400, `pattern: ${error.message}`, "pattern");
      throw error;
    }
    openSse(res);
    keepSseOpen(req, res, onClose, unsubscribe);
  };
}

function parsePattern(raw: unknown): unknown {
  if (raw === undefined) return { source: [EVENT_SOURCE] };
  if (typeof raw !== "string") throw new HttpError(400, "pattern: give one pattern as JSON", "pattern");
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new HttpError(400, `pattern: malformed JSON (${(error as Error).message})`, "pattern");
  }
}

/** Waits for the socket to drain, so a slow client backs up its own queue on the bus, not Node's buffers. */
function write(res: Response, chunk: string): Promise<void> | undefined {
  if (res.writableEnded || res.destroyed) return undefined;
  if (res.write(chunk)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
