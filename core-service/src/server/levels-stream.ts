import type { Request, Response } from "express";
import type { JobLevels, LevelsMessage } from "./job-levels.ts";
import { keepSseOpen, openSse } from "./sse-response.ts";

/**
 * `GET /v1/levels` (local only): the running jobs' signal levels as Server-Sent Events, one `data:` line of
 * JSON (a LevelsMessage) per job and second. A new subscriber first gets every job's history. Levels are a
 * picture of now, not a record: a subscriber whose socket backs up misses updates and, once it drains, gets
 * the histories again (`reset`), so a slow page costs the server one socket buffer, never a queue.
 */
export function streamLevels(levels: JobLevels, onClose: (close: () => void) => () => void) {
  return (req: Request, res: Response): void => {
    openSse(res);
    const send = (message: LevelsMessage) => res.write(`data: ${JSON.stringify(message)}\n\n`);
    for (const message of levels.snapshot()) send(message);
    let behind = false;
    const unsubscribe = levels.subscribe((message) => {
      if (res.writableEnded || res.destroyed) return;
      if (res.writableNeedDrain) {
        behind = true;
        return;
      }
      if (behind) {
        behind = false;
        for (const snapshot of levels.snapshot()) send(snapshot);
        if (message.ended) send(message);
        return;
      }
      send(message);
    });
    keepSseOpen(req, res, onClose, unsubscribe);
  };
}
