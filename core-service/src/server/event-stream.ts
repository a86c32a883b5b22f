import type { Request, Response } from "express";
import { InvalidEventPatternError } from "../domain/event-pattern/index.ts";
import { EVENT_SOURCE } from "../domain/events.ts";
import type { SubscribableEventBus } from "../ports/event-bus.ts";
import { HttpError } from "./http-errors.ts";
import { keepSseOpen, openSse } from "./sse-response.ts";

export interface EventStreamOptions {
  /** Bytes a client may leave unread (its send buffer) before it is dropped with a final `lagged` message. */
  readonly maxBufferedBytes?: number;
  /** How long a dropped client has to read what it was sent, `lagged` included, before the socket is cut. */
  readonly lagGraceMs?: number;
  /** Told each time a client is dropped for lagging (for /metrics). */
  readonly onLagged?: () => void;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * `GET /v1/events?pattern=<EventBridge pattern JSON>`: events as Server-Sent Events, one `data:` line of JSON
 * each, with the event id as the SSE id. The pattern is compiled once, when the subscriber connects.
 *
 * Writes never wait for the client: what it has not read yet waits in its own socket buffer, bounded by
 * `maxBufferedBytes`. A client past that (stalled, or slower than the events) is sent a final
 * `event: lagged` naming the last event it was sent and the stream ends, so it knows to reconnect and catch up
 * from `GET /v1/jobs/{id}`; the bus and the jobs never wait for it.
 */
export function streamEvents(
  bus: SubscribableEventBus,
  onClose: (close: () => void) => () => void,
  options: EventStreamOptions = {},
) {
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const lagGraceMs = options.lagGraceMs ?? 30_000;
  return (req: Request, res: Response): void => {
    const pattern = parsePattern(req.query.pattern);
    let ended = false;
    let unsubscribe: () => void;
    try {
      unsubscribe = bus.subscribe(pattern, (event) => {
        if (ended || res.destroyed) return;
        res.write(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
        if (res.writableLength > maxBufferedBytes) lagged(event.id);
      });
    } catch (error) {
      if (error instanceof InvalidEventPatternError)
        throw new HttpError(400, `pattern: ${error.message}`, "pattern");
      throw error;
    }
    openSse(res);
    const end = keepSseOpen(req, res, onClose, () => {
      ended = true;
      unsubscribe();
    });
    const lagged = (lastEventId: string) => {
      options.onLagged?.();
      const bufferedBytes = res.writableLength;
      res.write(
        `event: lagged\ndata: ${JSON.stringify({ lastEventId, bufferedBytes, maxBufferedBytes })}\n\n`,
      );
      const socket = res.socket;
      end();
      // Dropped means dropped: no keep-alive once it has read to the end, and a client that never reads again
      // does not hold the socket (and its buffer) for ever.
      res.once("finish", () => socket?.end());
      const cut = setTimeout(() => res.destroy(), lagGraceMs);
      cut.unref();
      res.once("close", () => clearTimeout(cut));
    };
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
